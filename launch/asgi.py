"""ASGI entry point for process managers: `uvicorn launch.asgi:app --workers N`.

The app runs the outbox worker and periodic jobs in-process unless `HOTLINE_RUN_WORKERS=false`
(then run `hotline worker` beside it).
"""

from app_api.app import create_app
from launch.workers import start_workers

app = create_app(start_workers=start_workers)
