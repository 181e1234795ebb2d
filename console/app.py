"""Mounting the staff console on the application (called from app_api.app.create_app)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, FastAPI
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from console import auth, csrf, errors
from console.desks import dispatcher, handler, operator, publisher, search
from console.templating import HERE
from hotline.settings import Settings

# each desk module exposes ``router``; a new desk adds its module here and in console/nav.py
DESK_MODULES: list[object] = [operator, dispatcher, handler, publisher, search]


def mount_console(app: FastAPI, settings: Settings) -> None:
    console = APIRouter(prefix="/console", dependencies=[Depends(csrf.check)])
    console.include_router(auth.router)
    for module in DESK_MODULES:
        console.include_router(module.router)  # type: ignore[attr-defined]
    app.include_router(console, include_in_schema=False)
    app.add_api_route("/console", lambda: RedirectResponse("/console/", status_code=308),
                      include_in_schema=False)
    app.mount("/console/static", StaticFiles(directory=HERE / "static"), name="console-static")
    errors.install(app)
