"""Mounting the citizen pages (``/h5/``) and the kiosk pages (``/kiosk/``) on the application
(called from app_api.app.create_app); their static files at ``/portal/static``."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles

from portal import rating
from portal.templating import HERE


def mount_portal(app: FastAPI) -> None:
    h5 = APIRouter(prefix="/h5")
    h5.include_router(rating.router)
    app.include_router(h5, include_in_schema=False)
    app.mount("/portal/static", StaticFiles(directory=HERE / "static"), name="portal-static")
