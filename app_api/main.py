"""ASGI entry point for process managers: `uvicorn app_api.main:app --workers N`."""

from app_api.app import create_app

app = create_app()
