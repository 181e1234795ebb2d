"""The `hotline` command line."""

from __future__ import annotations

import argparse
import asyncio
import gc
import getpass
import logging
import signal
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Literal

from hotline import db
from hotline import settings as settings_mod
from hotline.db import MigrationsBehind
from hotline.errors import Problem


def _run(job: Callable[[], Awaitable[int | None]]) -> int:
    settings = settings_mod.configure()

    async def main() -> int | None:
        await db.init_db(settings)
        try:
            return await job()
        finally:
            await db.close_db()

    return asyncio.run(main()) or 0


def cmd_migrate(_: argparse.Namespace) -> int:
    settings = settings_mod.configure()

    async def main() -> None:
        from casework.calendar_store import seed_from_chinese_calendar

        await db.migrate(settings)
        await db.close_db()
        await db.init_db(settings)
        try:
            added = await seed_from_chinese_calendar()
            if added:
                print(f"calendar: loaded {added} holiday and make-up days from chinese_calendar")
        finally:
            await db.close_db()

    asyncio.run(main())
    print("migrations applied")
    return 0


def cmd_seed_demo(args: argparse.Namespace) -> int:
    async def job() -> int:
        from launch.seed import DEMO_PASSWORD, seed_demo
        from models.org import Unit

        if args.if_empty and await Unit.exists():
            print("seed-demo: units already exist, nothing to do")
            return 0
        created = await seed_demo()
        print("seed-demo: 浙江省 demo province loaded")
        if created:
            print(f"staff accounts {', '.join(created)} (password: {DEMO_PASSWORD})")
        return 0

    return _run(job)


def _read_password() -> str:
    if sys.stdin.isatty():
        return getpass.getpass("password: ")
    return sys.stdin.readline().rstrip("\n")


def cmd_create_staff(args: argparse.Namespace) -> int:
    password = _read_password()

    async def job() -> int:
        from audit.log import SYSTEM, Actor
        from hotline.errors import Problem
        from identity import staff_admin
        from models.org import Unit

        if args.unit:
            unit = await Unit.get_or_none(code=args.unit)
        else:
            unit = await Unit.filter(parent_id=None).order_by("id").first()
        if unit is None:
            print(f"unknown unit {args.unit or '(root)'}", file=sys.stderr)
            return 2
        try:
            staff = await staff_admin.create_staff(
                Actor(SYSTEM), username=args.username, password=password, roles=args.role,
                unit_id=unit.id, phone=args.phone,
            )
        except Problem as exc:
            print(f"create-staff: {exc.detail} ({exc.code})", file=sys.stderr)
            return 2
        print(f"created staff {staff['username']} ({', '.join(staff['roles'])}) in {unit.name}")
        return 0

    return _run(job)


def cmd_create_device(args: argparse.Namespace) -> int:
    async def job() -> int:
        from audit.log import SYSTEM, Actor
        from hotline.errors import Problem
        from identity import devices
        from models.org import Unit

        unit = await Unit.get_or_none(code=args.unit)
        if unit is None:
            print(f"unknown unit {args.unit}", file=sys.stderr)
            return 2
        try:
            device, key = await devices.register(Actor(SYSTEM), args.name, unit.id)
        except Problem as exc:
            print(f"create-device: {exc.detail} ({exc.code})", file=sys.stderr)
            return 2
        print(f"device {device['id']} {device['name']} ({unit.name})")
        print(f"key (shown once): {key}")
        return 0

    return _run(job)


def cmd_units(_: argparse.Namespace) -> int:
    async def job() -> int:
        from models.org import Unit

        units = await Unit.all()
        units.sort(key=lambda u: [int(part) for part in u.path.strip("/").split("/")])
        for unit in units:
            depth = unit.path.count("/") - 2
            print(f"{'  ' * depth}{unit.code}\t{unit.name}\t{unit.region_id}")
        return 0

    return _run(job)


def cmd_calendar_import(args: argparse.Namespace) -> int:
    path = Path(args.file)
    text = path.read_text(encoding="utf-8")

    async def job() -> int:
        from audit.log import Actor
        from casework.calendar import check_years, parse_calendar_file
        from casework.calendar_store import import_rows, recompute_provisional

        fmt: Literal["csv", "json"] = "json" if path.suffix.lower() == ".json" else "csv"
        try:
            rows = parse_calendar_file(text, fmt)
            by_year = check_years(rows)  # each year as PUT /admin/calendar/{year} checks it
        except ValueError as exc:
            print(f"calendar import: {exc}", file=sys.stderr)
            return 2
        years = set(by_year)
        count = await import_rows(rows, years, f"import:{path.name}"[:64], Actor("system"))
        fixed = await recompute_provisional()
        print(f"calendar: imported {count} days for {sorted(years)}; recomputed {fixed} cases")
        return 0

    return _run(job)


async def _ready_to_serve() -> bool:
    """Refuse early, with the command to run, when migrations are behind; True if the demo
    accounts exist (for the start-up summary)."""
    from launch.seed import STAFF
    from models.org import Staff

    await db.check_schema()
    return await Staff.filter(username__in=[name for name, _, _ in STAFF]).exists()


GRACEFUL_SHUTDOWN_S = 30
# uvicorn's supervisor kills a process that does not answer its health check in time (5 s by
# default), also while the process is still importing the app: on a busy 2-core box start-up
# took longer than that and --workers 2 never came up. A hung process is still replaced.
WORKER_HEALTHCHECK_S = 30


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from app_api.app import create_app
    from launch.summary import startup_summary

    demo = bool(_run(_ready_to_serve))
    settings = settings_mod.configure()
    if args.access_log is None:  # requests are logged in development unless asked otherwise
        args.access_log = settings.env == "development"
    print(startup_summary(settings, args.host, args.port, demo=demo, access_log=args.access_log))
    sys.stdout.flush()
    from app_api.deps import uvicorn_proxy_options  # X-Forwarded-For only from trusted proxies
    from hotline import logs

    options = uvicorn_proxy_options(settings.trusted_proxies)
    # JSON logs: uvicorn's loggers go through ours (hotline.logs.setup), not its own config
    if logs.setup(settings) == "json":
        options["log_config"] = None
    # SIGTERM: stop accepting, let requests in flight finish (then the lifespan lets the
    # outbox batch in flight finish: HOTLINE_OUTBOX_SHUTDOWN_GRACE_S)
    options["timeout_graceful_shutdown"] = GRACEFUL_SHUTDOWN_S
    if args.workers > 1:
        # N processes, each importing launch.asgi (its settings from the same environment);
        # each runs the outbox worker, the periodic jobs run once under leases
        # (launch.workers). uvicorn restarts a process that dies.
        uvicorn.run(
            "launch.asgi:app", host=args.host, port=args.port, workers=args.workers,
            log_level="info", access_log=args.access_log,
            timeout_worker_healthcheck=WORKER_HEALTHCHECK_S, **options,
        )
        return 0
    from launch.workers import start_workers

    app = create_app(settings, start_workers=start_workers)
    # What start-up built (modules, routes, schemas) lives as long as the process: keep it out
    # of the cyclic collector's full passes, which otherwise stall requests under load.
    gc.freeze()
    uvicorn.run(
        app, host=args.host, port=args.port, log_level="info", access_log=args.access_log,
        **options,
    )
    return 0


def cmd_worker(_: argparse.Namespace) -> int:
    settings = settings_mod.configure()

    async def job() -> int:
        from hotline import generations
        from launch.workers import start_workers

        await db.check_schema()
        tasks = [asyncio.create_task(generations.listen_forever(settings))]
        tasks += start_workers(settings)
        # SIGTERM / SIGINT: the jobs are cancelled, so the outbox batch in flight finishes
        # (HOTLINE_OUTBOX_SHUTDOWN_GRACE_S) and the leases are handed on
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        return 0

    return _run(job)


def cmd_transitions(_: argparse.Namespace) -> int:
    from casework.transitions import markdown_table

    print(markdown_table())
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hotline", description="12345 citizen service platform")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("serve", help="API plus in-process workers")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument(
        "--access-log",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="log every request (default: in development only)",
    )
    p.add_argument(
        "--workers", type=int, default=1,
        help="API processes (each also runs the outbox worker unless HOTLINE_RUN_WORKERS=false; "
        "periodic jobs run in one of them at a time)",
    )
    p.set_defaults(func=cmd_serve)
    sub.add_parser("worker", help="workers only").set_defaults(func=cmd_worker)
    sub.add_parser("migrate", help="apply database migrations").set_defaults(func=cmd_migrate)
    p = sub.add_parser("seed-demo", help="load the demo province")
    p.add_argument("--if-empty", action="store_true", help="only when no units exist yet")
    p.set_defaults(func=cmd_seed_demo)
    p = sub.add_parser("create-staff", help="create a staff account (password from stdin)")
    p.add_argument("username")
    p.add_argument("--role", action="append", required=True)
    p.add_argument("--unit")
    p.add_argument("--phone", help="the staff member's mobile (stored as a keyed hash)")
    p.set_defaults(func=cmd_create_staff)
    sub.add_parser("units", help="print the unit tree").set_defaults(func=cmd_units)
    p = sub.add_parser("create-device", help="register a kiosk and print its key once")
    p.add_argument("name")
    p.add_argument("--unit", required=True)
    p.set_defaults(func=cmd_create_device)
    sub.add_parser("transitions", help="print the case transition table (Markdown)").set_defaults(
        func=cmd_transitions
    )
    p = sub.add_parser("calendar", help="working calendar")
    cal = p.add_subparsers(dest="calendar_command", required=True)
    p = cal.add_parser("import", help="import a year (CSV or JSON: date, working, name)")
    p.add_argument("file")
    p.set_defaults(func=cmd_calendar_import)
    return parser


def _setup_logging() -> None:
    """JSON lines in production (or HOTLINE_LOG_FORMAT=json), readable lines otherwise."""
    from hotline import logs

    try:
        logs.setup(settings_mod.Settings())
    except Exception:  # an invalid setting: the command reports it when it reads them
        logging.basicConfig(level=logging.INFO)


def main(argv: list[str] | None = None) -> None:
    _setup_logging()
    args = build_parser().parse_args(argv)
    try:
        code = args.func(args)
    except (MigrationsBehind, settings_mod.MissingKeys, Problem) as exc:
        print(f"hotline: {exc}", file=sys.stderr)  # one clear line, not a traceback
        sys.exit(2)
    sys.exit(code)
