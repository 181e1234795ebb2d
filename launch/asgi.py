"""ASGI entry point for process managers: `uvicorn launch.asgi:app --workers N`.

The app runs the outbox worker and periodic jobs in-process unless `HOTLINE_RUN_WORKERS=false`
(then run `hotline worker` beside it). uvicorn believes `X-Forwarded-For` from loopback unless
told otherwise, so give it the same trust as `HOTLINE_TRUSTED_PROXIES` (`hotline serve` does
this itself): `--no-proxy-headers` without a proxy, or
`--proxy-headers --forwarded-allow-ips "$HOTLINE_TRUSTED_PROXIES"` behind one.
"""

from app_api.app import create_app
from hotline import logs
from hotline import settings as settings_mod
from launch.workers import start_workers

app = create_app(start_workers=start_workers)
logs.setup(settings_mod.current())  # JSON lines in production, also in uvicorn's workers
