"""One module per desk, each exposing ``router`` (registered in console/app.py)."""
