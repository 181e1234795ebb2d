"""Start-up: the `hotline` command line, the demo seed and the background workers.

Sits above every domain package (it imports casework, notify, rewards, media, app_api...);
nothing below imports it, except the app factory's lifespan, which starts the workers.
"""
