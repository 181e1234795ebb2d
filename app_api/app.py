"""The FastAPI app factory."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable

from fastapi import FastAPI

from app_api import errors, openapi
from app_api.limits import BodyLimit
from app_api.observe import Observe
from app_api.responses import JSON
from app_api.routers import (
    admin_audit,
    admin_org,
    admin_partners,
    admin_reference,
    auth,
    cases,
    health,
    intake,
    metrics,
    open311,
    partner_api,
    photos,
    queues,
    reference,
    search,
    staff,
)
from app_api.routers import data_rights as data_rights_routes
from app_api.routers import kb as kb_routes
from app_api.routers import me as me_routes
from app_api.routers import public as public_routes
from app_api.routers import publishing as publishing_routes
from app_api.routers import real_name as real_name_routes
from app_api.routers import rewards as reward_routes
from app_api.routers import wechat as wechat_routes
from console.app import mount_console
from hotline import db, generations
from hotline import settings as settings_mod
from hotline.settings import Settings
from partners import events as partner_events
from portal.app import mount_portal
from publishing import hooks as publishing_hooks
from rewards import hooks as reward_hooks

log = logging.getLogger("hotline")


# what start-up hands the app to run beside it (launch.workers.start_workers): the edge never
# imports start-up, which sits above it
WorkerStarter = Callable[[Settings], list["asyncio.Task[None]"]]


def create_app(
    settings: Settings | None = None,
    *,
    manage_db: bool = True,
    start_workers: WorkerStarter | None = None,
) -> FastAPI:
    """Build the app. With ``manage_db`` the lifespan opens the database and, when the settings
    say workers run in this process, starts them with ``start_workers``."""
    settings = settings_mod.configure(settings)
    reward_hooks.install()  # rewards builds on casework through its hooks
    publishing_hooks.install()  # a publication follows its case's state
    partner_events.install()  # partners' webhooks are written with each case event

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if not manage_db:
            yield
            return
        await db.init_db(settings)
        workers: list[asyncio.Task[None]] = []
        try:
            await db.check_schema()
            # follows other processes' changes of cached reference data (PostgreSQL)
            workers.append(asyncio.create_task(generations.listen_forever(settings)))
            if settings.run_workers and start_workers is not None:
                workers += start_workers(settings)
            yield
        finally:
            for task in workers:
                task.cancel()
            for task in workers:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await db.close_db()

    app = FastAPI(
        title="hotline — 12345 政务服务便民热线",
        version="1.0",
        default_response_class=JSON,
        lifespan=lifespan,
    )
    errors.install(app)
    app.add_middleware(
        BodyLimit,
        default_max=settings.max_json_body_bytes,
        overrides={"/api/v1/photos": settings.upload_max_body_bytes},
    )
    # a database that cannot be reached: the 503 problem, seen as such by Observe
    app.add_middleware(errors.DatabaseAway)
    # outermost (added last): request id, metrics by route template, access line
    app.add_middleware(Observe, settings=settings)
    api = "/api/v1"
    # The busiest route sits on the app itself, ahead of the included routers, which FastAPI
    # resolves anew on every request: that lookup cost it more than its own authentication.
    # It is a LeanRoute (app_api.lean): its body is decoded and validated in one pass.
    app.router.add_api_route(api + "/cases", cases.submit_case, **cases.SUBMIT_ROUTE)
    # The busiest reads likewise, as FastPathRoutes (app_api.lean); /cases/mine, and the
    # search router's /cases/similar and /cases/following, before /cases/{tracking_no}, which
    # would take them.
    app.router.add_api_route(api + "/cases/mine", cases.my_cases, **cases.MY_CASES_ROUTE)
    app.include_router(search.router, prefix=api)
    app.router.add_api_route(
        api + "/cases/{tracking_no}", cases.read_case, **cases.READ_CASE_ROUTE
    )
    app.router.add_api_route(api + "/track/{tracking_no}", cases.track, **cases.TRACK_ROUTE)
    app.router.add_api_route(api + "/staff/cases", queues.staff_cases, **queues.QUEUE_ROUTE)
    app.router.add_api_route(api + "/categories", reference.categories,
                             **reference.CATEGORIES_ROUTE)
    app.router.add_api_route(open311.PREFIX + "/requests.{fmt}", open311.request_list,
                             **open311.REQUESTS_ROUTE)
    app.include_router(health.router)
    app.include_router(metrics.router)
    for router in (
        cases.router, auth.router, intake.router, photos.router,
        reference.router, staff.router,
        queues.router,
    ):
        app.include_router(router, prefix=api)
    wechat_routes.install(app, api)
    app.include_router(reward_routes.router, prefix=api)
    app.include_router(me_routes.router, prefix=api)
    app.include_router(real_name_routes.router, prefix=api)
    app.include_router(data_rights_routes.router, prefix=api)
    app.include_router(kb_routes.router, prefix=api)
    app.include_router(publishing_routes.router, prefix=api)
    app.include_router(public_routes.router, prefix=api)
    for router in (admin_org.router, admin_reference.router, admin_audit.router,
                   admin_partners.router, partner_api.router):
        app.include_router(router, prefix=api)
    app.include_router(open311.router)
    mount_console(app, settings)  # the staff console's pages at /console/ (console/)
    mount_portal(app)  # the citizen pages at /h5/ and the kiosk's at /kiosk/ (portal/)
    openapi.install(app)
    return app
