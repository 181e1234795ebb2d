"""Read benchmark: a citizen's and a handler's reads against the real server, next to /healthz.

In a temporary directory, with production settings and SQLite, it runs ``hotline migrate`` and
``hotline seed-demo``, starts ``hotline serve`` to sign in a citizen (SMS code) and the demo
``handler`` (password), stops it, then writes BENCH_CASES (default 1,000,000) cases with raw
multi-row INSERTs (``bench.casework_bench.generate``: a year of intake over the demo units,
every status). Every BENCH_CASES/10,000-th case is the citizen's (10,000 cases), with an
encrypted contact and a timeline (submit, dispatch, sign, an internal note, reply, rating). The
server is started again and each path is loaded with wrk (32 connections, 10 s, after a 2 s
warm-up), ``GET /healthz`` first, in the same run:

* ``read_case`` — ``GET /cases/{no}`` by its citizen (a rated case of the handler's unit);
* ``track`` — ``GET /track/{no}?code=`` (the per-IP limit raised for the bench);
* ``my_cases`` — ``GET /cases/mine`` (first page of 20);
* ``staff_case`` — the same ``GET /cases/{no}`` by the handler (the staff case page);
* ``queue`` — ``GET /staff/cases?light=red`` by the handler (first page of 20, by deadline);
* ``queue_newest`` — ``GET /staff/cases`` by the handler (first page, newest first);
* ``categories`` — ``GET /categories`` (no sign-in; the cached reply).

Each prints ``<name>_rps``, ``<name>_p99_ms``, ``<name>_to_bare_ratio`` and
``<name>_server_cpu_ms_per_req`` (the server's processes, from /proc; on PostgreSQL also
``<name>_db_cpu_ms_per_req``, its backends for this database: they share the cores). Targets
(issue 15): read_case and track >= 0.5 x /healthz with p99 <= 20 ms, my_cases >= 0.4, staff
pages >= 0.3, categories >= 0.8; each is printed against its target on stderr, per server.
With HOTLINE_BENCH_POSTGRES_URL the same runs on a scratch PostgreSQL database twice: one
process (``pg_`` figures) and ``hotline serve --workers 2`` (``pg_w2_``), each path's ratio
taken against ``/healthz`` served by the same processes.
Run: ``.venv/bin/python -m bench.reads_bench`` (``--profile NAME out.svg`` records a py-spy
flame graph of the server during an extra, unmeasured run of the path NAME; ``pg_NAME`` on the
one-process PostgreSQL server).
Environment: BENCH_CASES, BENCH_DURATION_S, BENCH_CONNECTIONS, BENCH_LOADGEN, BENCH_ONLY
(comma-separated path names to load), HOTLINE_BENCH_POSTGRES_URL, BENCH_BACKENDS
(``sqlite,pg``), BENCH_PG_WORKERS (``1,2``), BENCH_READS_DIR (a directory kept between runs:
each database is loaded once; the PostgreSQL one is then kept, not dropped).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import sqlite3
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make `bench` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import casework_bench as cw  # noqa: E402
from bench import reads_pg  # noqa: E402
from bench.intake_bench import (  # noqa: E402
    DATA_KEY,
    PHONE,
    SECRET_KEY,
    _env,
    _py_spy,
    _request,
    _run_cli,
    citizen_token,
    serve,
    target_line,
)
from bench.loadgen import LoadResult, run_load  # noqa: E402

N = int(os.environ.get("BENCH_CASES", "1000000"))
CITIZEN_CASES = 10_000
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "32"))
DURATION_S = int(os.environ.get("BENCH_DURATION_S", "10"))
WARMUP_S = 2
QUERY_CODE = "246810"
HANDLER = "handler"
PAGES = ("my_cases", "queue", "queue_newest")
PATHS = ("read_case", "track", "my_cases", "staff_case", "queue", "queue_newest", "categories")
TARGETS = {"read_case": 0.5, "track": 0.5, "my_cases": 0.4, "staff_case": 0.3, "queue": 0.3,
           "queue_newest": 0.3, "categories": 0.8}
P99_TARGETS = {"read_case": 20.0, "track": 20.0}

UNITS: dict[str, str] = {"bare_rps": "req/s", "bare_p99_ms": "ms", "cases": "count",
                         "load_s": "s", "bare_server_cpu_ms_per_req": "ms"}
for _p in PATHS:
    UNITS |= {f"{_p}_rps": "req/s", f"{_p}_p99_ms": "ms", f"{_p}_to_bare_ratio": "x",
              f"{_p}_server_cpu_ms_per_req": "ms", f"{_p}_db_cpu_ms_per_req": "ms"}
UNITS |= {f"{pg}{k}": v for k, v in UNITS.items() for pg in ("pg_", "pg_w2_")}
LABELS = {"": "SQLite, 1 process", "pg_": "PostgreSQL, 1 process",
          "pg_w2_": "PostgreSQL, --workers 2"}

EXTRA = ["citizen_id", "contact_phone_enc", "contact_name_enc", "address", "region_id"]
EVENTS = [  # action, actor role, note, public, data
    ("submit", "citizen", "", True, {}),
    ("dispatch", "dispatcher", "转办至杭州市生态环境局", True, {}),
    ("sign", "handler", "", True, {}),
    ("note", "handler", "已联系施工单位，约定现场核查时间（内部记录）", False, {}),
    ("reply", "handler", "经查，工地已停止夜间施工，今后夜间施工须办理许可并公示。", True, {}),
    ("rate", "citizen", "处理及时", True, {"round": 1, "score": 5}),
]


def _load(db_path: str, citizen_id: int, handler_path: str) -> dict[str, Any]:
    """Fill the database (in a fresh process: settings are configured for the encryption)."""
    from hotline import settings as settings_mod
    from hotline.crypto import encrypt, lookup_hash
    from hotline.settings import Settings

    settings_mod.configure(Settings(env="test", var_dir=Path(db_path).parent,
                                    secret_key=SECRET_KEY, data_key=DATA_KEY))
    con = sqlite3.connect(db_path)
    units = [(i, p) for i, p, k in con.execute("SELECT id, path, kind FROM unit ORDER BY id")
             if k != "platform"]
    root = con.execute("SELECT path FROM unit WHERE parent_id IS NULL").fetchone()[0]
    con.close()
    phone, name = encrypt(PHONE), encrypt("王小明")
    every = max(1, N // CITIZEN_CASES)
    columns = cw.COLUMNS + EXTRA

    original = cw.generate

    def rows() -> Any:
        for row in original(N, units, root, sql_text=True):
            if row[0] % every == 0:
                yield (*row, citizen_id, phone, name, "杭州市西湖区文三路", "330106")
            else:
                yield (*row, None, None, None, None, None)

    cw.COLUMNS = columns  # load_sqlite's INSERT lists cw.COLUMNS
    cw.generate = lambda *a, **k: rows()
    try:
        cw.load_sqlite(Path(db_path), N, units, root)
    finally:
        cw.generate = original
        cw.COLUMNS = columns[: -len(EXTRA)]
    con = sqlite3.connect(db_path)
    con.execute("PRAGMA synchronous=OFF")
    owned = con.execute('SELECT id, status, created_at FROM "case" WHERE citizen_id = ?',
                        [citizen_id]).fetchall()
    events = []
    for case_id, status, created in owned:
        steps = EVENTS if status in ("rated", "closed") else EVENTS[:3]
        at = cw.datetime.fromisoformat(created)
        for seq, (action, role, note, public, data) in enumerate(steps, 1):
            events.append((case_id, seq, (at + timedelta(hours=seq)).isoformat(" "), action,
                           role, None, note, public, json.dumps(data), "0" * 64, "0" * 64))
    con.executemany(
        "INSERT INTO case_event (case_id, seq, at, action, actor_role, actor_id, note, public, "
        "data, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?,?,?)", events)
    con.execute('UPDATE "case" SET event_count = CASE WHEN status IN (\'rated\', \'closed\') '
                'THEN 6 ELSE 3 END WHERE citizen_id = ?', [citizen_id])
    target = con.execute(
        'SELECT tracking_no FROM "case" WHERE citizen_id = ? AND unit_path LIKE ? '
        "AND status IN ('rated', 'closed') ORDER BY id DESC LIMIT 1",
        [citizen_id, handler_path + "%"]).fetchone()[0]
    con.execute('UPDATE "case" SET query_code_hash = ? WHERE tracking_no = ?',
                [lookup_hash(QUERY_CODE, f"query:{target}"), target])
    con.execute("ANALYZE")
    con.commit()
    con.close()
    return {"tracking_no": target, "citizen_cases": len(owned), "events": len(events)}


def _pg_setup(url: str, env: dict[str, str], tmp: str) -> tuple[str, str, dict[str, Any]]:
    """Sign the citizen and the handler in, then fill the PostgreSQL database (COPY)."""
    import asyncio

    import asyncpg

    from hotline import settings as settings_mod
    from hotline.crypto import decrypt, encrypt, lookup_hash
    from hotline.settings import Settings

    settings_mod.configure(Settings(env="test", var_dir=Path(tmp), secret_key=SECRET_KEY,
                                    data_key=DATA_KEY))
    dsn = url.replace("postgres://", "postgresql://", 1)
    with serve(env, Path(tmp), Path(tmp) / "server-setup.log") as (base, _pid):
        status, reply = _request(base, "POST", "/api/v1/auth/sms-code", {"phone": PHONE})
        assert status == 202, reply

        async def code() -> str:
            con = await asyncpg.connect(dsn)
            try:
                enc = await con.fetchval("SELECT params_enc FROM outbox_message WHERE template "
                                         "= 'login_code' ORDER BY id DESC LIMIT 1")
            finally:
                await con.close()
            return str(json.loads(decrypt(enc) or "{}")["code"])

        status, reply = _request(base, "POST", "/api/v1/auth/sms-login",
                                 {"phone": PHONE, "code": asyncio.run(code())})
        assert status == 200, reply
        citizen = reply["access_token"]
        handler = _staff_token(base, HANDLER)

    async def load() -> dict[str, Any]:
        con = await asyncpg.connect(dsn)
        try:
            citizen_id = await con.fetchval("SELECT id FROM citizen")
            handler_path = await con.fetchval(
                "SELECT u.path FROM staff s JOIN unit u ON u.id = s.unit_id "
                "WHERE s.username = $1", HANDLER)
            units = [(r["id"], r["path"]) for r in await con.fetch(
                "SELECT id, path, kind FROM unit ORDER BY id") if r["kind"] != "platform"]
            root = await con.fetchval("SELECT path FROM unit WHERE parent_id IS NULL")
            defs = await con.fetch(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'case' AND "
                "indexname NOT IN (SELECT conname FROM pg_constraint)")
            for d in defs:
                await con.execute(f'DROP INDEX "{d["indexname"]}"')
            phone, name = encrypt(PHONE), encrypt("王小明")
            every = max(1, N // CITIZEN_CASES)
            rows = (
                (*r, citizen_id, phone, name, "杭州市西湖区文三路", "330106")
                if r[0] % every == 0 else (*r, None, None, None, None, None)
                for r in cw.generate(N, units, root, sql_text=False)
            )
            await con.copy_records_to_table("case", records=rows, columns=cw.COLUMNS + EXTRA)
            for d in defs:
                await con.execute(d["indexdef"])
            await con.execute("SELECT setval(pg_get_serial_sequence('\"case\"', 'id'), "
                              '(SELECT max(id) FROM "case"))')
            owned = await con.fetch('SELECT id, status, created_at FROM "case" '
                                    "WHERE citizen_id = $1", citizen_id)
            events = []
            for case_id, status, created in owned:
                steps = EVENTS if status in ("rated", "closed") else EVENTS[:3]
                for seq, (action, role, note, public, data) in enumerate(steps, 1):
                    events.append((case_id, seq, created + timedelta(hours=seq), action, role,
                                   None, note, public, json.dumps(data), "0" * 64, "0" * 64))
            await con.copy_records_to_table(
                "case_event", records=events, columns=[
                    "case_id", "seq", "at", "action", "actor_role", "actor_id", "note",
                    "public", "data", "prev_hash", "hash"])
            target = await con.fetchval(
                'SELECT tracking_no FROM "case" WHERE citizen_id = $1 AND unit_path LIKE $2 '
                "AND status IN ('rated', 'closed') ORDER BY id DESC LIMIT 1",
                citizen_id, handler_path + "%")
            await con.execute('UPDATE "case" SET query_code_hash = $1 WHERE tracking_no = $2',
                              lookup_hash(QUERY_CODE, f"query:{target}"), target)
            await con.execute("ANALYZE")
            return {"tracking_no": target, "citizen_cases": len(owned), "events": len(events)}
        finally:
            await con.close()

    return citizen, handler, asyncio.run(load())


def _staff_token(base: str, username: str) -> str:
    from launch.seed import DEMO_PASSWORD

    status, reply = _request(base, "POST", "/api/v1/auth/staff-login",
                             {"username": username, "password": DEMO_PASSWORD})
    if status != 200:
        raise RuntimeError(f"staff-login answered {status}: {reply}")
    return str(reply["access_token"])


def _identities(env: dict[str, str], tmp: Path) -> tuple[str, str, int, str]:
    with serve(env, tmp, tmp / "server-setup.log") as (base, _pid):
        citizen = citizen_token(base, env, tmp)
        handler = _staff_token(base, HANDLER)
    con = sqlite3.connect(tmp / "bench.sqlite3")
    (citizen_id,) = con.execute("SELECT id FROM citizen").fetchone()
    (handler_path,) = con.execute(
        "SELECT u.path FROM staff s JOIN unit u ON u.id = s.unit_id WHERE s.username = ?",
        [HANDLER]).fetchone()
    con.close()
    return citizen, handler, citizen_id, handler_path


def run(*, profile: tuple[str, Path] | None = None) -> dict[str, float]:
    """SQLite (one process), then if HOTLINE_BENCH_POSTGRES_URL is set PostgreSQL with one
    process (figures prefixed ``pg_``) and with ``--workers 2`` (``pg_w2_``), each path's ratio
    taken against ``/healthz`` served by the same processes in the same run. BENCH_BACKENDS
    (``sqlite,pg``) and BENCH_PG_WORKERS (``1,2``) choose; ``--profile pg_NAME`` profiles the
    one-process PostgreSQL server."""
    backends = os.environ.get("BENCH_BACKENDS", "sqlite,pg").split(",")
    sql_profile = profile if profile and not profile[0].startswith("pg_") else None
    results = _run_backend(None, sql_profile)[0] if "sqlite" in backends else {}
    base = os.environ.get("HOTLINE_BENCH_POSTGRES_URL")
    if base and "pg" in backends:
        keep = os.environ.get("BENCH_READS_DIR")
        state_dir = Path(keep) if keep else None
        if state_dir:
            state_dir.mkdir(parents=True, exist_ok=True)
        url, setup = reads_pg.kept(state_dir, base, N)
        try:
            for workers in [int(w) for w in os.environ.get("BENCH_PG_WORKERS", "1,2").split(",")]:
                pg_profile = (profile[0].removeprefix("pg_"), profile[1]) if (
                    profile and profile[0].startswith("pg_") and workers == 1) else None
                figures, setup = _run_backend(url, pg_profile, workers=workers, setup=setup)
                prefix = "pg_" if workers == 1 else f"pg_w{workers}_"
                results |= {f"{prefix}{k}": v for k, v in figures.items()}
        finally:
            if not reads_pg.keep(state_dir, url, N, setup):
                reads_pg.scratch(url, create=False)
    for line in target_report(results):
        print(line, file=sys.stderr)
    return results


def _run_backend(pg_url: str | None, profile: tuple[str, Path] | None, *, workers: int = 1,
                 setup: Any = None) -> tuple[dict[str, float], Any]:
    """One server's figures (``workers`` processes), and the PostgreSQL setup to reuse."""
    loadgen = os.environ.get("BENCH_LOADGEN", "auto")
    only = [p for p in os.environ.get("BENCH_ONLY", "").split(",") if p] or list(PATHS)
    keep = os.environ.get("BENCH_READS_DIR")  # reuse a loaded database (for profiling)
    with tempfile.TemporaryDirectory(prefix="hotline-bench-") as tmp_name:
        tmp = Path(keep or tmp_name)
        tmp.mkdir(parents=True, exist_ok=True)
        env = _env(tmp) | {"HOTLINE_TRACK_PER_IP_PER_MINUTE": "1000000000",
                            "HOTLINE_ACCESS_TOKEN_TTL_S": "86400"}
        if pg_url:
            env["HOTLINE_DATABASE_URL"] = pg_url
        state = tmp / "reads-state.json"
        if pg_url and setup is not None:
            citizen, handler, loaded, load_s = setup
            _run_cli(["migrate"], env, tmp)
        elif pg_url:
            _run_cli(["migrate"], env, tmp)
            _run_cli(["seed-demo"], env, tmp)
            started = cw.time.perf_counter()
            with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
                citizen, handler, loaded = pool.submit(_pg_setup, pg_url, env, str(tmp)).result()
            load_s = cw.time.perf_counter() - started
            setup = [citizen, handler, loaded, load_s]
        elif keep and state.exists():
            citizen, handler, loaded, load_s = json.loads(state.read_text())
            _run_cli(["migrate"], env, tmp)
        else:
            _run_cli(["migrate"], env, tmp)
            _run_cli(["seed-demo"], env, tmp)
            citizen, handler, citizen_id, handler_path = _identities(env, tmp)
            started = cw.time.perf_counter()
            with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
                loaded = pool.submit(_load, str(tmp / "bench.sqlite3"), citizen_id,
                                     handler_path).result()
            load_s = cw.time.perf_counter() - started
            state.write_text(json.dumps([citizen, handler, loaded, load_s]))
        no = loaded["tracking_no"]
        as_citizen = {"Authorization": f"Bearer {citizen}"}
        as_handler = {"Authorization": f"Bearer {handler}"}
        paths: dict[str, tuple[str, dict[str, str]]] = {
            "read_case": (f"/api/v1/cases/{no}", as_citizen),
            "track": (f"/api/v1/track/{no}?code={QUERY_CODE}", {}),
            "my_cases": ("/api/v1/cases/mine", as_citizen),
            "staff_case": (f"/api/v1/cases/{no}", as_handler),
            "queue": ("/api/v1/staff/cases?light=red", as_handler),
            "queue_newest": ("/api/v1/staff/cases", as_handler),
            "categories": ("/api/v1/categories", {}),
        }
        results: dict[str, float] = {"cases": N, "load_s": round(load_s, 1)}
        extra = ("--workers", str(workers)) if workers > 1 else ()
        with serve(env, tmp, tmp / "server.log", extra) as (base, pid):
            for name, (path, headers) in paths.items():
                status, reply = _request(base, "GET", path, headers=headers)
                if status != 200:
                    raise RuntimeError(f"GET {path} ({name}) answered {status}: {reply}")
                if name in PAGES and N >= 100_000 and len(reply["items"]) != 20:
                    raise RuntimeError(f"GET {path} ({name}): {len(reply['items'])} items")

            def load(path: str, seconds: int, **kw: Any) -> tuple[LoadResult, float, float]:
                before, db_before = reads_pg.tree_cpu_s(pid), db_cpu()
                result = run_load(base + path, prefer=loadgen, connections=CONNECTIONS,
                                  duration_s=seconds, **kw)
                after, db_after = reads_pg.tree_cpu_s(pid), db_cpu()
                per = 1000 / result.requests if result.requests else 0.0
                return result, (after - before) * per, (db_after - db_before) * per

            def db_cpu() -> float:
                return reads_pg.backend_cpu_s(pg_url) if pg_url else 0.0

            load("/healthz", WARMUP_S)
            bare, bare_cpu, _ = load("/healthz", DURATION_S)
            results |= {"bare_rps": round(bare.rps, 1), "bare_p99_ms": round(bare.p99_ms, 2),
                        "bare_server_cpu_ms_per_req": round(bare_cpu, 3)}
            for name in only:
                path, headers = paths[name]
                load(path, WARMUP_S, headers=headers)
                got, cpu, db = load(path, DURATION_S, headers=headers)
                if got.non2xx or got.socket_errors:
                    raise RuntimeError(f"{name}: {got.non2xx} non-2xx, {got.socket_errors} "
                                       "socket errors")
                results |= {
                    f"{name}_rps": round(got.rps, 1),
                    f"{name}_p99_ms": round(got.p99_ms, 2),
                    f"{name}_to_bare_ratio": round(got.rps / bare.rps, 3) if bare.rps else 0.0,
                    f"{name}_server_cpu_ms_per_req": round(cpu, 3),
                } | ({f"{name}_db_cpu_ms_per_req": round(db, 3)} if pg_url else {})
            if profile is not None:
                path, headers = paths[profile[0]]
                with _py_spy(pid, profile[1], DURATION_S):
                    load(path, DURATION_S, headers=headers)
    return results, setup


def target_report(results: dict[str, float]) -> list[str]:
    lines = []
    for prefix, label in LABELS.items():
        bare = results.get(f"{prefix}bare_rps")
        if bare is None:
            continue
        lines.append(f"# reads, {label}: /healthz {bare} req/s "
                     f"({results.get(f'{prefix}bare_server_cpu_ms_per_req')} ms CPU per request)")
        for name, goal in TARGETS.items():
            ratio = results.get(f"{prefix}{name}_to_bare_ratio")
            if ratio is None:
                continue
            lines.append(target_line(f"{prefix}{name}_to_bare_ratio", ratio, ">=", goal))
            if name in P99_TARGETS:
                p99 = f"{prefix}{name}_p99_ms"
                lines.append(target_line(p99, results[p99], "<=", P99_TARGETS[name]))
            cpu = results.get(f"{prefix}{name}_server_cpu_ms_per_req")
            db = results.get(f"{prefix}{name}_db_cpu_ms_per_req")
            lines.append(f"#   {prefix}{name}: {results.get(f'{prefix}{name}_rps')} req/s, "
                         f"CPU per request {cpu} ms server"
                         + (f" + {db} ms PostgreSQL" if db is not None else ""))
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", nargs=2, metavar=("PATH_NAME", "OUT"),
                        help="py-spy flame graph of one path (.svg, .json, .txt)")
    args = parser.parse_args(argv)
    profile = (args.profile[0], Path(args.profile[1]).resolve()) if args.profile else None
    for figure, value in run(profile=profile).items():
        shown = int(value) if UNITS.get(figure) == "count" else value
        print(f"{figure}: {shown} {UNITS.get(figure, '')}".rstrip(), flush=True)


if __name__ == "__main__":
    main()
