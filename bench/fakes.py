"""A fake of ``tests/fakes`` in its own process, for the benches that load it over HTTP(S).

``fake_server`` runs ``python -m <module> --port P [--cert C --key K] <args>`` from the project
root (its output to a log file), waits until ``GET /_fake/stats`` answers, yields the base URL
and always stops the process afterwards. Used by ``outbox_bench`` (the Aliyun SMS gateway over
HTTPS), ``webhook_bench`` (the partner receiver) and ``system_bench.fake_gateway`` (the SMS
gateway over plain HTTP, also for ``fault``).
"""

from __future__ import annotations

import contextlib
import os
import ssl
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from bench.intake_bench import ROOT, _free_port, stop

if TYPE_CHECKING:
    from tests.fakes.tls import TlsFiles


@contextlib.contextmanager
def fake_server(
    module: str, log_path: Path, args: Sequence[str] = (), *, tls: TlsFiles | None = None,
    what: str = "the fake server",
) -> Iterator[str]:
    """Start ``module`` on a free loopback port (HTTPS with ``tls``'s certificate, trusted through
    its CA, when given) and yield its URL; ``what`` names it in the error if it does not start."""
    port = _free_port()
    command = [sys.executable, "-m", module, "--port", str(port), *args]
    context = None
    if tls is not None:
        command += ["--cert", str(tls.cert), "--key", str(tls.key)]
        context = ssl.create_default_context(cafile=str(tls.ca))
    url = f"{'https' if tls else 'http'}://127.0.0.1:{port}"
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(command, cwd=ROOT, env=os.environ | {"PYTHONPATH": path},
                                stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_fake/stats", timeout=1, context=context):
                    break
            except OSError as exc:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"{what} did not start:\n{log_path.read_text()}") from exc
                time.sleep(0.1)
        yield url
    finally:
        stop(proc, 10)
