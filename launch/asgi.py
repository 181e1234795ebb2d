"""ASGI entry point for process managers: `uvicorn launch.asgi:app --workers N`.

`hotline serve --workers N` runs it so. The app runs the outbox worker and the periodic jobs
(under leases: once across processes) in-process unless `HOTLINE_RUN_WORKERS=false` (then run
`hotline worker` beside it). uvicorn believes `X-Forwarded-For` from loopback unless
told otherwise, so give it the same trust as `HOTLINE_TRUSTED_PROXIES` (`hotline serve` does
this itself): `--no-proxy-headers` without a proxy, or
`--proxy-headers --forwarded-allow-ips "$HOTLINE_TRUSTED_PROXIES"` behind one.
"""

import gc

from app_api.app import create_app
from hotline import logs
from hotline import settings as settings_mod
from launch.workers import start_workers

app = create_app(start_workers=start_workers)  # settings from the environment (HOTLINE_*)
logs.setup(settings_mod.current())  # JSON lines in production, also in uvicorn's workers
# start-up's objects live as long as the process: out of the cyclic collector's full passes
gc.freeze()
