"""The HTTP edge: app factory, routers per audience, auth dependencies, error mapping."""
