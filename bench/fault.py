"""Faults survived (``make fault``): processes killed, PostgreSQL restarted, Redis stopped, SIGTERM.

Everything runs on its own: a PRIVATE PostgreSQL cluster (initdb into a temporary directory, on
a free port, as the ``postgres`` user when run as root — never the shared server), a private
``redis-server`` on a free port, the fake Aliyun SMS gateway (its own process), two API
processes (``hotline serve``, workers off) and one ``hotline worker``. A load of citizens filing
cases against both APIs runs through every phase:

1. ``kill -9`` one API process and the worker mid-load, restart them;
2. PostgreSQL stopped for a few seconds mid-load, started again: while it is down the APIs
   answer 503 problem+json (never 500), and they answer 2xx again within seconds of its return;
3. Redis stopped: rate limits fall back to the database, the service keeps answering 2xx;
4. SIGTERM to the other API process and to the worker mid-load: they exit cleanly, the requests
   in flight are answered and the worker leaves no message half-sent.

Then every acknowledged (2xx) case is in the database, and every case's "received" SMS reached
the gateway exactly once (a row whose worker died is looked up by its OutId with
QuerySendDetails before it is sent again). Exit status 0 when all of that holds.

Every check prints ``ok`` or ``FAIL`` with what it saw; a bad answer carries its request id
(``X-Request-Id``, in the API's log lines). On failure the APIs' and the worker's warnings and
errors are printed, counted by kind with each exception's last line; ``--keep-logs DIR`` (or
``HOTLINE_FAULT_LOGS``) copies every run's logs (api0, api1, worker, pg, gw) to a new folder
under DIR, passed or failed. Recovery after PostgreSQL's return is measured from the moment
``pg_ctl start`` returned, and the load runs at least that long after it, however long a busy
host takes to stop and start PostgreSQL.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx  # noqa: E402

from bench.intake_bench import CASE_BODY, _env, _free_port, _hotline_cmd, _run_cli  # noqa: E402
from bench.system_bench import (  # noqa: E402
    Outbox,
    citizen_token,
    drain,
    fake_gateway,
    sms_env,
)

CONCURRENCY = 8
CITIZENS = 12
RECOVERY_S = 5.0


def _pg_bin(name: str) -> str:
    found = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    if found:
        return str(found[-1])
    path = shutil.which(name)
    if not path:
        raise RuntimeError(f"PostgreSQL's {name} not found")
    return path


class PrivatePostgres:
    """A throwaway cluster: initdb, pg_ctl start/stop on its own port."""

    def __init__(self, root: Path) -> None:
        self.data = root / "pgdata"
        self.port = _free_port()
        self.log = root / "pg.log"
        self.as_user: list[str] = []
        if os.geteuid() == 0:  # postgres refuses to run as root
            self.as_user = ["runuser", "-u", "postgres", "--"]
            os.chmod(root, 0o777)
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        subprocess.run([*self.as_user, *args], check=True, capture_output=True, timeout=120)

    def init(self) -> None:
        self._run(_pg_bin("initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust",
                  "--no-sync", "-E", "UTF8")
        self.start()

    def start(self) -> None:
        options = (f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.data} -c fsync=off "
                   "-c max_connections=200")
        self._run(_pg_bin("pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o", options,
                  "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        self._run(_pg_bin("pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")


@dataclass
class Load:
    """Citizens filing cases against several APIs; every answer is kept."""

    bases: list[str]
    tokens: list[str]  # several citizens: a phone's day of messages stays within what
    # QuerySendDetails pages through (as with real citizens, who file a few cases a day)
    acknowledged: set[str] = field(default_factory=set)
    statuses: Counter[str] = field(default_factory=Counter)
    bad: list[str] = field(default_factory=list)  # anything but 2xx / 503 problem / refused
    last_ok: float = 0.0
    ok_times: list[float] = field(default_factory=list)
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    turn: int = 0

    async def one(self, client: httpx.AsyncClient, base: str) -> None:
        headers = {"Authorization": f"Bearer {self.tokens[self.turn % len(self.tokens)]}"}
        self.turn += 1
        try:
            reply = await client.post(base + "/api/v1/cases", json=CASE_BODY, headers=headers)
        except httpx.TransportError as exc:  # a killed process: not acknowledged
            self.statuses[type(exc).__name__] += 1
            await asyncio.sleep(0.05)
            return
        self.statuses[str(reply.status_code)] += 1
        if 200 <= reply.status_code < 300:
            self.acknowledged.add(reply.json()["tracking_no"])
            self.ok_times.append(time.monotonic())
        elif reply.status_code == 503 and reply.headers.get("content-type", "").startswith(
            "application/problem+json"
        ):
            await asyncio.sleep(0.05)
        else:  # with its request id, to be found in the API's log
            rid = reply.headers.get("x-request-id", "?")
            self.bad.append(f"{reply.status_code} (request {rid}) {reply.text[:200]}")

    async def run(self) -> None:
        async def loop(i: int) -> None:
            async with httpx.AsyncClient(timeout=10) as client:
                n = i
                while not self.stop.is_set():
                    await self.one(client, self.bases[n % len(self.bases)])
                    n += 1

        await asyncio.gather(*(loop(i) for i in range(CONCURRENCY)))


class Cluster:
    def __init__(self, env: dict[str, str], tmp: Path) -> None:
        self.env, self.tmp = env, tmp
        self.ports = [_free_port(), _free_port()]
        self.apis: list[subprocess.Popen[bytes] | None] = [None, None]
        self.worker: subprocess.Popen[bytes] | None = None

    def _spawn(self, args: list[str], name: str) -> subprocess.Popen[bytes]:
        with open(self.tmp / f"{name}.log", "ab") as log:
            return subprocess.Popen([*_hotline_cmd(), *args], env=self.env, cwd=self.tmp,
                                    stdout=log, stderr=subprocess.STDOUT)

    def start_api(self, i: int) -> None:
        self.apis[i] = self._spawn(
            ["serve", "--host", "127.0.0.1", "--port", str(self.ports[i]), "--no-access-log"],
            f"api{i}",
        )
        wait_ready(f"http://127.0.0.1:{self.ports[i]}")

    def start_worker(self) -> None:
        self.worker = self._spawn(["worker"], "worker")

    @property
    def bases(self) -> list[str]:
        return [f"http://127.0.0.1:{p}" for p in self.ports]

    def stop_all(self) -> None:
        for proc in [*self.apis, self.worker]:
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.wait()


def wait_ready(base: str, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError):
            with urllib.request.urlopen(base + "/healthz", timeout=2) as resp:
                if resp.status == 200:
                    return
        time.sleep(0.2)
    raise RuntimeError(f"{base} did not come up")


@contextlib.contextmanager
def redis_server(tmp: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = _free_port()
    proc = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", str(tmp)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        time.sleep(0.5)
        yield f"redis://127.0.0.1:{port}/0", proc
    finally:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(timeout=10)


async def phase(load: Load, seconds: float, *actions: tuple[float, Any],
                at_least_until: Any = None) -> None:
    """Run the load for ``seconds``; each action (at, callable) runs ``at`` seconds in (and
    may take longer: the next waits for it). With ``at_least_until`` (a callable giving a
    ``time.monotonic()`` deadline, asked once the actions are done) the load runs until then
    if that is later. The phase's statuses, bad answers and 2xx times start empty."""
    load.statuses.clear()
    load.bad.clear()
    load.ok_times.clear()
    load.stop.clear()
    runner = asyncio.create_task(load.run())
    start = time.monotonic()
    for at, action in sorted(actions, key=lambda a: a[0]):
        await asyncio.sleep(max(0.0, start + at - time.monotonic()))
        await asyncio.to_thread(action)
    end = start + seconds
    if at_least_until is not None:
        end = max(end, at_least_until())
    await asyncio.sleep(max(0.0, end - time.monotonic()))
    load.stop.set()
    await runner


def check(ok: bool, what: str, failures: list[str]) -> None:
    print(f"{'ok  ' if ok else 'FAIL'} {what}", flush=True)
    if not ok:
        failures.append(what)


async def scenario(cluster: Cluster, pg: PrivatePostgres, redis: subprocess.Popen[bytes],
                   gateway: str) -> list[str]:
    failures: list[str] = []
    tokens = [
        await asyncio.to_thread(citizen_token, cluster.bases[0], cluster.env, cluster.tmp,
                                f"1390013{i:04d}")
        for i in range(CITIZENS)
    ]
    load = Load(cluster.bases, tokens)
    # messages take a while at the gateway, so a killed worker dies with some half-sent
    async with httpx.AsyncClient(timeout=5) as client:
        await client.post(gateway + "/_fake/config", json={"latency_s": 0.05})

    # 1. kill -9 an API process and the worker, then restart them
    def kill() -> None:
        for proc in (cluster.apis[0], cluster.worker):
            assert proc is not None
            proc.send_signal(signal.SIGKILL)
            proc.wait()

    def restart() -> None:
        cluster.start_worker()
        cluster.start_api(0)

    await phase(load, 8, (3, kill), (4, restart))
    print(f"kill -9: {dict(load.statuses)}", flush=True)
    check(not load.bad, f"no answer but 2xx/503 during kill -9 ({load.bad[:3]})", failures)

    # 2. PostgreSQL down for 3 s
    marks: dict[str, float] = {}

    def pg_stop() -> None:
        marks["stop"] = time.monotonic()
        pg.stop()
        marks["down"] = time.monotonic()

    def pg_start() -> None:
        marks["start"] = time.monotonic()
        pg.start()
        marks["up"] = time.monotonic()

    # on a busy host pg_ctl may take seconds to stop or start: the load runs on for
    # RECOVERY_S (and a second) after PostgreSQL is back, however long that took
    await phase(load, 14, (3, pg_stop), (6, pg_start),
                at_least_until=lambda: marks["up"] + RECOVERY_S + 1)
    print(f"PostgreSQL restart: {dict(load.statuses)} (down {marks['down'] - marks['stop']:.1f} s "
          f"after pg_ctl stop began, back {marks['up'] - marks['start']:.1f} s after pg_ctl "
          "start began)", flush=True)
    check(not load.bad, f"only 503 problem+json while PostgreSQL is down ({load.bad[:3]})",
          failures)
    after = [t - marks["up"] for t in load.ok_times if t > marks["up"]]
    recovery = min(after) if after else float("inf")
    check(recovery <= RECOVERY_S, f"2xx again {recovery:.1f} s after PostgreSQL is back",
          failures)

    # 3. Redis stopped: rate limits fall back to the database
    redis.terminate()
    redis.wait(timeout=10)
    await phase(load, 4)
    print(f"Redis stopped: {dict(load.statuses)}", flush=True)
    async with httpx.AsyncClient(timeout=10) as client:
        reply = await client.post(cluster.bases[1] + "/api/v1/auth/sms-code",
                                  json={"phone": "13700137000"})
    check(reply.status_code == 202, f"a login code still goes out ({reply.status_code})",
          failures)
    check(not load.bad and len(load.ok_times) > 0, f"cases still acknowledged without Redis "
          f"({len(load.ok_times)} acknowledged; {load.bad[:3]})", failures)

    # 4. SIGTERM: requests and the outbox batch in flight finish
    rcs: dict[str, int | None] = {}

    def term() -> None:
        for _, proc in (("api1", cluster.apis[1]), ("worker", cluster.worker)):
            assert proc is not None
            proc.send_signal(signal.SIGTERM)
        for name, proc in (("api1", cluster.apis[1]), ("worker", cluster.worker)):
            assert proc is not None
            try:
                rcs[name] = proc.wait(timeout=40)
            except subprocess.TimeoutExpired:
                rcs[name] = None

    await phase(load, 4, (2, term))
    print(f"SIGTERM: {dict(load.statuses)}; exit codes {rcs}", flush=True)
    check(not load.bad, f"no answer but 2xx/503 during SIGTERM ({load.bad[:3]})", failures)
    # uvicorn re-raises SIGTERM once its graceful shutdown is done
    api_log = (cluster.tmp / "api1.log").read_text(errors="replace")
    clean = "Application shutdown complete" in api_log and rcs.get("api1") in (0, -15)
    check(clean and rcs.get("worker") == 0, f"clean exit on SIGTERM {rcs}", failures)
    sending = await sql_one(cluster.env, "SELECT count(*) FROM outbox_message "
                                         "WHERE status = 'sending'")
    check(sending == 0, f"no message left half-sent by the stopped worker ({sending})", failures)
    cluster.start_worker()
    cluster.start_api(1)

    # everything acknowledged is there, every received-SMS went out exactly once
    outbox = Outbox(cluster.env["HOTLINE_DATABASE_URL"])
    drained = await asyncio.to_thread(drain, outbox, 60)
    check(drained, "the outbox drained", failures)
    cases = await sql_rows(cluster.env, 'SELECT tracking_no FROM "case"')
    stored = {r["tracking_no"] for r in cases}
    missing = load.acknowledged - stored
    check(not missing, f"all {len(load.acknowledged)} acknowledged cases stored "
                       f"({len(missing)} missing)", failures)
    rows = await sql_rows(cluster.env, "SELECT id, status FROM outbox_message "
                                       "WHERE template = 'case_received'")
    async with httpx.AsyncClient(timeout=10) as client:
        sends = (await client.get(gateway + "/_fake/sends")).json()["sends"]
        stats = (await client.get(gateway + "/_fake/stats")).json()
    print(f"gateway: {stats['requests']} (QuerySendDetails: rows whose sender died, looked "
          "up by OutId before any resend)", flush=True)
    prefix = cluster.env.get("HOTLINE_SMS_OUT_ID_PREFIX", "hl")
    counts = Counter(sends.get(f"{prefix}{r['id']}", 0) for r in rows)
    check(len(rows) == len(stored), f"one received-SMS per case ({len(rows)} for "
                                    f"{len(stored)})", failures)
    check(set(counts) == {1}, f"each reached the gateway exactly once (times: {dict(counts)})",
          failures)
    return failures


async def sql_rows(env: dict[str, str], sql: str) -> list[dict[str, Any]]:
    import asyncpg

    conn = await asyncpg.connect(env["HOTLINE_DATABASE_URL"].replace("postgres://",
                                                                      "postgresql://", 1))
    try:
        return [dict(r) for r in await conn.fetch(sql)]
    finally:
        await conn.close()


async def sql_one(env: dict[str, str], sql: str) -> Any:
    return next(iter((await sql_rows(env, sql))[0].values()))


def log_summary(log: Path, limit: int = 20) -> str:
    """The log's warnings and errors, alike ones counted together: level, logger, message
    and the exception's last line (the JSON log format's ``exc_info``), most frequent first."""
    seen: Counter[str] = Counter()
    for line in log.read_text(errors="replace").splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if not isinstance(record, dict) or record.get("level") not in (
            "WARNING", "ERROR", "CRITICAL"
        ):
            continue
        exc = str(record.get("exc_info") or "").strip().splitlines()
        message = " ".join(str(record.get("message", "")).split())[:120]
        seen[f"{record['level']} {record.get('logger')}: {message}"
             + (f" <- {exc[-1][:160]}" if exc else "")] += 1
    lines = [f"{n:6d} x {what}" for what, n in seen.most_common(limit)]
    if len(seen) > limit:
        lines.append(f"       ... and {len(seen) - limit} more kinds")
    return "\n".join(lines) or "       (none)"


def _keep_logs(tmp: Path, into: Path, failed: bool) -> Path:
    """Copy the run's logs (APIs, worker, PostgreSQL, gateway) to a new folder under ``into``."""
    kept = into / f"{time.strftime('%Y%m%d-%H%M%S')}-{'failed' if failed else 'passed'}"
    kept.mkdir(parents=True, exist_ok=True)
    for log in tmp.glob("*.log"):
        shutil.copy2(log, kept / log.name)
    return kept


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.fault",
                                     description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--keep-logs", metavar="DIR", type=Path,
                        default=os.environ.get("HOTLINE_FAULT_LOGS") or None,
                        help="copy every run's logs (api0, api1, worker, pg, gateway) to a new "
                             "folder under DIR (default: $HOTLINE_FAULT_LOGS; unset: none kept)")
    args = parser.parse_args(argv)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="hotline-fault-") as tmp_name:
        tmp = Path(tmp_name)
        pg = PrivatePostgres(tmp)
        pg.init()
        cluster: Cluster | None = None
        failures: list[str] = []
        try:
            with redis_server(tmp) as (redis_url, redis), fake_gateway(tmp / "gw.log") as gw:
                env = sms_env(_env(tmp), gw) | {
                    "HOTLINE_DATABASE_URL": pg.url,
                    "HOTLINE_REDIS_URL": redis_url,
                    "HOTLINE_RUN_WORKERS": "false",  # API processes; `hotline worker` beside
                    "HOTLINE_SMS_CONNECT_TIMEOUT_S": "0.5",
                    "HOTLINE_SMS_TIMEOUT_S": "1.5",
                    "HOTLINE_SMTP_TIMEOUT_S": "2",
                    "HOTLINE_WEBHOOK_TIMEOUT_S": "1.5",  # the lease covers the longest send
                    "HOTLINE_OUTBOX_LEASE_S": "5",  # a dead worker's rows come back soon
                    "HOTLINE_SMS_RECEIPT_DELAY_S": "3600",
                    "HOTLINE_SMS_CODE_PER_IP_HOURLY": "1000",
                }
                _run_cli(["migrate"], env, tmp)
                _run_cli(["seed-demo"], env, tmp)
                cluster = Cluster(env, tmp)
                cluster.start_api(0)
                cluster.start_api(1)
                cluster.start_worker()
                failures = asyncio.run(scenario(cluster, pg, redis, gw))
        except BaseException as exc:  # the scenario broke off: its logs are wanted all the more
            failures = [f"the scenario broke off: {exc!r}"]
            raise
        finally:
            if cluster is not None:
                cluster.stop_all()
            with contextlib.suppress(Exception):
                pg.stop("immediate")
            if args.keep_logs is not None:
                print(f"logs kept in {_keep_logs(tmp, args.keep_logs, bool(failures))}")
        elapsed = time.monotonic() - started
        if failures:
            for name in ("api0", "api1", "worker"):
                log = tmp / f"{name}.log"
                if log.exists():
                    print(f"--- {name}.log: errors and warnings\n{log_summary(log)}",
                          file=sys.stderr)
            if args.keep_logs is None:
                print("(the logs go with the temporary directory: --keep-logs DIR keeps them)",
                      file=sys.stderr)
    print(f"fault script: {'FAILED' if failures else 'passed'} in {elapsed:.0f} s")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
