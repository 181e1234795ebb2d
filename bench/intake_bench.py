"""Intake benchmark: ``POST /api/v1/cases`` against the real server, next to a bare endpoint.

In a temporary directory, with production settings and SQLite, it runs ``hotline migrate`` and
``hotline seed-demo``, starts ``hotline serve`` (uvicorn, uvloop + httptools, no access log) on a
free loopback port, signs a citizen in through the real SMS-code API (reading the code from the
outbox), then loads ``GET /healthz`` and ``POST /api/v1/cases`` with 32 keep-alive connections for
10 s each — with wrk when installed, else a Python generator (which shares the CPU with the server,
so its figures are lower). The server is stopped at the end, also on errors.

Targets (2 cores): intake >= 1,000 cases/s, intake/bare >= 0.33, p99 <= 50 ms, zero non-2xx.

Besides the target figures it prints p50s, socket errors, the cases the measured run added to the
database (about intake_rps x duration, plus requests in flight at the end) and the server's CPU
time per request (all its threads, from /proc): the figure least disturbed by other work on the
machine; 1000 / intake_server_cpu_ms_per_req is roughly the ceiling of one server process.

Run: ``.venv/bin/python -m bench.intake_bench`` (``--profile out.svg`` adds a py-spy ``--gil``
flame graph of the server during a third, unmeasured intake run — ``.txt`` gives collapsed stacks,
``.json`` speedscope; ``--loadgen python`` forces the Python generator).
Environment overrides: BENCH_DURATION_S, BENCH_CONNECTIONS, BENCH_LOADGEN (auto|wrk|python).
``_env``, ``_run_cli``, ``serve``, ``stop`` and ``citizen_token`` are reused by other benches.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make `bench` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.loadgen import LoadResult, run_load  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SECRET_KEY = "bench-secret-key-not-for-production-0123456789abcdef"
DATA_KEY = "bench-data-key-not-for-production-0123456789abcdef"
PHONE = "13900139000"
CASE_BODY = {
    "kind": "complaint",
    "category_code": "ENV-NOISE",
    "content": "小区旁边工地夜间施工噪音很大，影响休息。",
    "location": {
        "lat": 30.27,
        "lng": 120.15,
        "address": "杭州市西湖区文三路",
        "region_code": "330106",
    },
}
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "32"))
DURATION_S = int(os.environ.get("BENCH_DURATION_S", "10"))
WARMUP_S = 2
TARGETS = {"intake_rps": 1000.0, "intake_to_bare_ratio": 0.33, "intake_p99_ms": 50.0}

UNITS = {
    "intake_rps": "req/s",
    "intake_p50_ms": "ms",
    "intake_p99_ms": "ms",
    "intake_non2xx": "count",
    "intake_socket_errors": "count",
    "intake_cases_created": "count",
    "bare_rps": "req/s",
    "bare_p99_ms": "ms",
    "bare_server_cpu_ms_per_req": "ms",
    "intake_server_cpu_ms_per_req": "ms",
    "intake_to_bare_ratio": "x",
}

# Reads the newest login code from the outbox, or counts cases, with the server's own settings.
_DB_HELPER = r"""
import json, sqlite3, sys
from hotline import settings
from hotline.crypto import decrypt
s = settings.configure()
path = s.effective_database_url.removeprefix("sqlite://").split("?")[0]
db = sqlite3.connect(path, timeout=10)
if sys.argv[1] == "code":
    row = db.execute(
        "SELECT params_enc FROM outbox_message WHERE template = 'login_code' "
        "ORDER BY id DESC LIMIT 1"
    ).fetchone()
    print(json.loads(decrypt(row[0]))["code"])
else:
    print(db.execute('SELECT COUNT(*) FROM "case"').fetchone()[0])
"""


def _hotline_cmd() -> list[str]:
    script = Path(sys.executable).with_name("hotline")
    if script.exists():
        return [str(script)]
    found = shutil.which("hotline")
    if found:
        return [found]
    return [sys.executable, "-c", "from launch.cli import main; main()"]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOTLINE_")}
    env.update(
        HOTLINE_ENV="production",
        HOTLINE_SECRET_KEY=SECRET_KEY,
        HOTLINE_DATA_KEY=DATA_KEY,
        HOTLINE_VAR_DIR=str(tmp),
        HOTLINE_DATABASE_URL=f"sqlite://{tmp / 'bench.sqlite3'}",
        HOTLINE_RUN_WORKERS="false",
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    )
    return env


def _run_cli(args: list[str], env: dict[str, str], cwd: Path) -> str:
    proc = subprocess.run(
        [*_hotline_cmd(), *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=300
    )
    if proc.returncode != 0:
        raise RuntimeError(f"hotline {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc.stdout


def _db_helper(mode: str, env: dict[str, str], cwd: Path) -> str:
    proc = subprocess.run(
        [sys.executable, "-c", _DB_HELPER, mode],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"database helper failed:\n{proc.stderr}")
    return proc.stdout.strip()


def _cpu_s(pid: int) -> float | None:
    """User + system CPU seconds of a process (all its threads), or None off Linux."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _load_average() -> float | None:
    try:
        return os.getloadavg()[0]
    except OSError:
        return None


def _request(
    base: str, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
) -> tuple[int, Any]:
    data = json.dumps(body, ensure_ascii=False).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method)
    req.add_header("Content-Type", "application/json")
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(errors="replace")


@contextlib.contextmanager
def serve(
    env: dict[str, str], cwd: Path, log_path: Path, extra: tuple[str, ...] = ()
) -> Iterator[tuple[str, int]]:
    """Start ``hotline serve`` (``extra``: more arguments, e.g. ``--workers 2``) and yield
    (base URL, server PID); always stop it afterwards."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [*_hotline_cmd(), "serve", "--host", "127.0.0.1", "--port", str(port), *extra],
            env=env,
            cwd=cwd,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"server exited ({proc.returncode}):\n{log_path.read_text()}")
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=2) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"server did not answer /healthz:\n{log_path.read_text()}")
            time.sleep(0.2)
        yield base, proc.pid
    finally:
        if proc.poll() is None:
            stop(proc, 15)


def stop(proc: subprocess.Popen[bytes], timeout_s: float) -> None:
    """Terminate ``proc``, kill it if it has not ended within ``timeout_s``, and reap it."""
    proc.terminate()
    try:
        proc.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


def citizen_token(base: str, env: dict[str, str], cwd: Path) -> str:
    status, reply = _request(base, "POST", "/api/v1/auth/sms-code", {"phone": PHONE})
    if status != 202:
        raise RuntimeError(f"sms-code answered {status}: {reply}")
    code = _db_helper("code", env, cwd)
    status, reply = _request(base, "POST", "/api/v1/auth/sms-login", {"phone": PHONE, "code": code})
    if status != 200:
        raise RuntimeError(f"sms-login answered {status}: {reply}")
    return reply["access_token"]


@contextlib.contextmanager
def _py_spy(pid: int, out: Path, duration_s: int) -> Iterator[None]:
    exe = Path(sys.executable).with_name("py-spy")
    spy = str(exe) if exe.exists() else shutil.which("py-spy")
    if not spy:
        print("py-spy not installed; skipping the profile", file=sys.stderr)
        yield
        return
    fmt = "speedscope" if out.suffix == ".json" else "raw" if out.suffix == ".txt" else "flamegraph"
    proc = subprocess.Popen(
        [
            spy,
            "record",
            "--pid",
            str(pid),
            "--duration",
            str(duration_s),
            "--rate",
            "250",
            "--format",
            fmt,
            "--output",
            str(out),
            "--gil",
        ],  # GIL holder only: CPU, not waits
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        yield
    finally:
        try:
            proc.wait(timeout=duration_s + 30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.returncode != 0:
            err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
            print(f"py-spy failed: {err}", file=sys.stderr)
        else:
            print(f"profile written to {out}", file=sys.stderr)


def run(
    *,
    duration_s: int = DURATION_S,
    connections: int = CONNECTIONS,
    loadgen: str = os.environ.get("BENCH_LOADGEN", "auto"),
    profile: Path | None = None,
) -> dict[str, float]:
    load_avg = _load_average()
    if load_avg is not None and load_avg > 0.5:
        print(
            f"# warning: 1-minute load average is {load_avg:.2f} before the intake bench; "
            "other work on this machine lowers the figures",
            file=sys.stderr,
        )
    with tempfile.TemporaryDirectory(prefix="hotline-bench-") as tmp_name:
        tmp = Path(tmp_name)
        env = _env(tmp)
        _run_cli(["migrate"], env, tmp)
        _run_cli(["seed-demo"], env, tmp)
        with serve(env, tmp, tmp / "server.log") as (base, pid):
            token = citizen_token(base, env, tmp)
            headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
            body = json.dumps(CASE_BODY, ensure_ascii=False).encode()
            status, reply = _request(base, "POST", "/api/v1/cases", CASE_BODY, headers)
            if status != 201:
                raise RuntimeError(f"POST /api/v1/cases answered {status}: {reply}")

            cpu_per_req: dict[str, float] = {}

            def load(path: str, seconds: int, label: str = "", **kw: Any) -> LoadResult:
                before = _cpu_s(pid)
                result = run_load(
                    base + path, prefer=loadgen, connections=connections, duration_s=seconds, **kw
                )
                after = _cpu_s(pid)
                if label and before is not None and after is not None and result.requests:
                    cpu_per_req[label] = (after - before) / result.requests * 1000
                return result

            intake_kw: dict[str, Any] = {"method": "POST", "headers": headers, "body": body}
            load("/healthz", WARMUP_S)
            bare = load("/healthz", duration_s, "bare")
            load("/api/v1/cases", WARMUP_S, **intake_kw)
            before = int(_db_helper("count", env, tmp))
            intake = load("/api/v1/cases", duration_s, "intake", **intake_kw)
            created = int(_db_helper("count", env, tmp)) - before
            if profile is not None:
                with _py_spy(pid, profile, duration_s):
                    load("/api/v1/cases", duration_s, **intake_kw)

    print(
        f"# load generator: {intake.tool}, {connections} connections, {duration_s} s",
        file=sys.stderr,
    )
    results = {
        "intake_rps": round(intake.rps, 1),
        "intake_p50_ms": round(intake.p50_ms, 2),
        "intake_p99_ms": round(intake.p99_ms, 2),
        "intake_non2xx": float(intake.non2xx),
        "intake_socket_errors": float(intake.socket_errors),
        "intake_cases_created": float(created),
        "intake_server_cpu_ms_per_req": round(cpu_per_req.get("intake", 0.0), 3),
        "bare_rps": round(bare.rps, 1),
        "bare_p99_ms": round(bare.p99_ms, 2),
        "bare_server_cpu_ms_per_req": round(cpu_per_req.get("bare", 0.0), 3),
        "intake_to_bare_ratio": round(intake.rps / bare.rps, 3) if bare.rps else 0.0,
    }
    for line in target_report(results):
        print(line, file=sys.stderr)
    return results


def target_line(name: str, value: float, op: str, goal: float) -> str:
    """``# target NAME OP GOAL: met|MISSED (VALUE)``, the line every bench prints per target."""
    ok = {">=": value >= goal, "<=": value <= goal, "==": value == goal}[op]
    return f"# target {name} {op} {goal}: {'met' if ok else 'MISSED'} ({value})"


def target_report(results: dict[str, float]) -> list[str]:
    checks = [
        ("intake_rps", ">=", TARGETS["intake_rps"]),
        ("intake_to_bare_ratio", ">=", TARGETS["intake_to_bare_ratio"]),
        ("intake_p99_ms", "<=", TARGETS["intake_p99_ms"]),
        ("intake_non2xx", "==", 0),
    ]
    return [target_line(name, results[name], op, goal) for name, op, goal in checks]

def format_lines(results: dict[str, float], units: dict[str, str]) -> list[str]:
    lines = []
    for name, value in results.items():
        shown = int(value) if units.get(name) == "count" else value
        lines.append(f"{name}: {shown} {units.get(name, '')}".rstrip())
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=DURATION_S)
    parser.add_argument("--connections", type=int, default=CONNECTIONS)
    parser.add_argument(
        "--loadgen",
        choices=["auto", "wrk", "python"],
        default=os.environ.get("BENCH_LOADGEN", "auto"),
    )
    parser.add_argument("--profile", type=Path, help="py-spy output (.svg, .json speedscope, .txt)")
    args = parser.parse_args(argv)
    results = run(
        duration_s=args.duration,
        connections=args.connections,
        loadgen=args.loadgen,
        profile=args.profile.resolve() if args.profile else None,
    )
    for line in format_lines(results, UNITS):
        print(line)


if __name__ == "__main__":
    main()
