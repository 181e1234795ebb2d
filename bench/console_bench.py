"""Console benchmark: the server time of the staff console's case page under load.

In a temporary directory, with production settings and SQLite (or, with
HOTLINE_BENCH_POSTGRES_URL, also PostgreSQL: figures prefixed ``pg_``), it runs ``hotline
migrate`` and ``hotline seed-demo``, starts ``hotline serve`` with every request in the JSON
access log, records BENCH_CONSOLE_CASES calls (default 300) through the intake API, dispatches
and signs one and gives it a notice (a timeline of four events), signs in the demo ``handler``
to the console (login form, CSRF token, session cookie) and loads ``GET
/console/cases/{no}`` — the whole three-column page: the case, its timeline, the table's
actions — with BENCH_CONNECTIONS connections for BENCH_DURATION_S seconds (wrk, or the Python
generator). The server's own access lines give the time each request spent in the app:

* ``console_case_page_p95_ms`` — the 95th percentile of that server time (target ≤ 50 ms);
* ``console_case_page_p50_ms``, ``console_case_page_rps``, ``console_case_page_client_p99_ms``.

Run: ``.venv/bin/python -m bench console``.
"""

from __future__ import annotations

import json
import os
import re
import sys
import tempfile
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make `bench` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.intake_bench import _env, _request, _run_cli, serve  # noqa: E402
from bench.loadgen import run_load  # noqa: E402

UNITS = {
    "console_case_page_p95_ms": "ms", "console_case_page_p50_ms": "ms",
    "console_case_page_rps": "req/s", "console_case_page_client_p99_ms": "ms",
    "console_load_average": "",
}
UNITS |= {f"pg_{k}": v for k, v in UNITS.items()}
PASSWORD = "hotline-demo-2026"
ROUTE = "/console/cases/{no}"
CALL = {
    "kind": "complaint", "category_code": "ENV-WATER-SEWAGE", "channel": "phone",
    "content": "小区旁边的河道有污水直排，晚上气味很大，请尽快处理。",
    "location": {"lat": 30.2741, "lng": 120.1551, "address": "杭州市西湖区文三路",
                 "region_code": "330100"},
    "citizen": {"name": "王小明", "phone": "13800138000"},
}


def _token(base: str, username: str) -> dict[str, str]:
    status, reply = _request(base, "POST", "/api/v1/auth/staff-login",
                             {"username": username, "password": PASSWORD})
    if status != 200:
        raise RuntimeError(f"staff-login {username} answered {status}: {reply}")
    return {"Authorization": f"Bearer {reply['access_token']}"}


def _console_cookie(base: str) -> str:
    """Sign in to the console as a browser does; returns the Cookie header."""
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any, **kwargs: Any) -> None:
            return None

    opener = urllib.request.build_opener(NoRedirect)
    with opener.open(base + "/console/login", timeout=10) as page:
        html = page.read().decode()
        pre = page.headers.get_all("Set-Cookie")[0].split(";", 1)[0]
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found
    body = urllib.parse.urlencode({"username": "handler", "password": PASSWORD,
                                   "csrf_token": found.group(1)}).encode()
    req = urllib.request.Request(base + "/console/login", data=body, method="POST", headers={
        "Cookie": pre, "Origin": base, "Content-Type": "application/x-www-form-urlencoded"})
    try:
        opener.open(req, timeout=10)
    except urllib.error.HTTPError as exc:  # the 303 after sign-in
        cookies = [c.split(";", 1)[0] for c in exc.headers.get_all("Set-Cookie") or []]
        session = next((c for c in cookies if c.startswith("hotline_console=")), None)
        if exc.code == 303 and session:
            return session
        raise RuntimeError(f"console login answered {exc.code}") from exc
    raise RuntimeError("console login did not answer 303")


def _prepare(base: str, n: int) -> str:
    operator = _token(base, "operator")
    numbers = []
    for _ in range(n):
        status, reply = _request(base, "POST", "/api/v1/intake/cases", CALL, operator)
        if status != 201:
            raise RuntimeError(f"intake answered {status}: {reply}")
        numbers.append(reply["tracking_no"])
    no = numbers[-1]
    dispatcher, handler = _token(base, "dispatcher"), _token(base, "handler")
    status, units = _request(base, "GET", "/api/v1/staff/units", None, dispatcher)
    unit = next(u["id"] for u in units if u["code"] == "HZ-STHJJ")
    steps = [(dispatcher, "dispatch", {"unit_id": unit, "procedure": "normal"}),
             (handler, "sign", {}), (handler, "notice", {"content": "已受理，将于30日内办结。"})]
    for who, action, body in steps:
        status, reply = _request(base, "POST", f"/api/v1/staff/cases/{no}/{action}", body, who)
        if status != 200:
            raise RuntimeError(f"{action} answered {status}: {reply}")
    return no


def _server_times(log: Path) -> list[float]:
    times = []
    for line in log.read_text(errors="replace").splitlines():
        if '"duration_ms"' not in line or ROUTE not in line:
            continue
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if entry.get("route") == ROUTE and entry.get("status") == 200:
            times.append(float(entry["duration_ms"]))
    return sorted(times)


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    return values[min(len(values) - 1, int(q * len(values)))]


def _backend(tmp: Path, database_url: str | None) -> dict[str, float]:
    env = _env(tmp) | {"HOTLINE_ACCESS_LOG": "all", "HOTLINE_LOG_FORMAT": "json"}
    if database_url:
        env["HOTLINE_DATABASE_URL"] = database_url
    _run_cli(["migrate"], env, tmp)
    _run_cli(["seed-demo"], env, tmp)
    n = int(os.environ.get("BENCH_CONSOLE_CASES", "300"))
    connections = int(os.environ.get("BENCH_CONNECTIONS", "16"))
    duration = int(os.environ.get("BENCH_DURATION_S", "10"))
    log = tmp / "serve.log"
    with serve(env, tmp, log) as (base, _pid):
        no = _prepare(base, n)
        cookie = _console_cookie(base)
        url = f"{base}/console/cases/{no}"
        run_load(url, headers={"Cookie": cookie}, connections=connections, duration_s=2)
        log.write_bytes(b"")  # only the measured run's lines count
        result = run_load(url, headers={"Cookie": cookie}, connections=connections,
                          duration_s=duration)
        load = os.getloadavg()[0]
    if result.non2xx or result.socket_errors:
        raise RuntimeError(f"{result.non2xx} non-2xx, {result.socket_errors} socket errors")
    times = _server_times(log)
    return {
        "console_case_page_p95_ms": round(_percentile(times, 0.95), 2),
        "console_case_page_p50_ms": round(_percentile(times, 0.50), 2),
        "console_case_page_rps": round(result.rps, 1),
        "console_case_page_client_p99_ms": round(result.p99_ms, 2),
        "console_load_average": round(load, 2),
    }


def run() -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="hotline-console-bench-") as tmp:
        results = _backend(Path(tmp), None)
    pg = os.environ.get("HOTLINE_BENCH_POSTGRES_URL")
    if pg:
        from bench.reads_pg import scratch

        url = scratch(pg, create=True)
        try:
            with tempfile.TemporaryDirectory(prefix="hotline-console-bench-") as tmp:
                results |= {f"pg_{k}": v for k, v in _backend(Path(tmp), url).items()}
        finally:
            scratch(url, create=False)
    return results


if __name__ == "__main__":
    for name, value in run().items():
        print(f"{name}: {value} {UNITS.get(name.removeprefix('pg_'), '')}".rstrip())
