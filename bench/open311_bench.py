"""Open311 benchmark: ``GET /open311/v2/requests.json`` against ``GET /healthz`` in the same run.

In a temporary directory, with production settings and SQLite, it runs ``hotline migrate`` and
``hotline seed-demo``, writes BENCH_CASES (default 100,000) cases with raw multi-row INSERTs
(``bench.casework_bench.generate``: a year of intake up to 2026-11-18, every status) and
publishes every BENCH_PUBLISH_EVERY-th (default 10th) answered, replied, rated or closed case:
a ``publication`` row per case, as ``publishing.service.publish`` writes it (redacted texts,
street-level place, rounded coordinates). ``hotline serve`` is started and each path is loaded
with wrk (32 connections, 10 s, after a 2 s warm-up), ``/healthz`` first:

* ``open311_requests_json`` — ``GET /open311/v2/requests.json?page_size=20``: the first page
  (the common ``page_size`` extension) of the default query, the last 90 days, all services;
* ``open311_requests_json_1000`` — ``GET /open311/v2/requests.json``: the spec's default reply,
  up to 1,000 rows (about 0.5 MB of JSON) — reported beside it, no target.

Each prints ``<name>_rps``, ``<name>_p99_ms`` and ``<name>_to_bare_ratio``; also the rows in
the 90-day window, and the load average before and after. The server keeps rendered replies
for a second (``open311/cache.py``), so wrk's repeated query is mostly answered from kept
bytes; a second server with the cache off (HOTLINE_OPEN311_REPLY_CACHE_S=0) is then loaded
the same way, ``<name>_uncached_…``: every request reads and renders its rows. Target
(issue 19): open311_requests_json >= 0.5 x /healthz, cached and uncached.

On a shared box the req/s ratio swings with whatever else runs while each path is loaded, so
each path also prints the server process's CPU per request (``<name>_cpu_ms``, from
/proc/<pid>/stat over the measured seconds) and ``<name>_cpu_ratio``: /healthz's CPU per request
over the path's, the req/s ratio a quiet box gives while the one server process is the
bottleneck.
Run: ``.venv/bin/python -m bench open311``. Environment: BENCH_CASES, BENCH_PUBLISH_EVERY,
BENCH_DURATION_S, BENCH_CONNECTIONS, BENCH_LOADGEN.
"""

from __future__ import annotations

import os
import sqlite3
import sys
import tempfile
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make `bench` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import casework_bench as cw  # noqa: E402
from bench.intake_bench import _cpu_s, _env, _request, _run_cli, serve  # noqa: E402
from bench.loadgen import run_load  # noqa: E402

N = int(os.environ.get("BENCH_CASES", "100000"))
EVERY = int(os.environ.get("BENCH_PUBLISH_EVERY", "10"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "32"))
DURATION_S = int(os.environ.get("BENCH_DURATION_S", "10"))
WARMUP_S = 2
TARGET = 0.5
PATHS = {
    "open311_requests_json": "/open311/v2/requests.json?page_size=20",
    "open311_requests_json_1000": "/open311/v2/requests.json",
}
CACHES = {"": None, "_uncached": "0"}  # suffix: HOTLINE_OPEN311_REPLY_CACHE_S
UNITS: dict[str, str] = {"bare_rps": "req/s", "bare_p99_ms": "ms", "cases": "count",
                         "published": "count", "rows_in_window": "count",
                         "load_avg_before": "", "load_avg_after": ""}
for _p in PATHS:
    for _c in CACHES:
        UNITS |= {f"{_p}{_c}_rps": "req/s", f"{_p}{_c}_p99_ms": "ms",
                  f"{_p}{_c}_to_bare_ratio": "x", f"{_p}{_c}_cpu_ms": "ms",
                  f"{_p}{_c}_cpu_ratio": "x"}
UNITS["bare_cpu_ms"] = "ms"

SUMMARY = "经查，反映的{cat}问题属实，已责令整改。王某反映的情况已核实处理。"
RESULT = "已于三个工作日内处理完毕并回复市民，市民表示满意。"


def _publish(db: Path) -> int:
    """A publication for every EVERY-th case the citizen has an answer for."""
    con = sqlite3.connect(db)
    con.execute("PRAGMA synchronous=OFF")
    names = dict(con.execute("SELECT code, name FROM category"))
    units = dict(con.execute("SELECT path, name FROM unit"))
    rows = con.execute(
        'SELECT id, kind, category_id, unit_path, created_at FROM "case" '
        "WHERE id % ? = 0 AND status IN ('answered', 'replied', 'rated', 'closed')",
        [EVERY]).fetchall()
    con.executemany(
        "INSERT INTO publication (public_id, case_id, kind, category_code, region_code, "
        "city_code, county_code, unit_name, place, lat, lng, summary, result, photo_ids, "
        "closed, submitted_at, published_at, published_by) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,1,?,?,?)",
        [(f"{case_id:012x}", case_id, kind, cat, "330106", "330100", "330106",
          units.get(path, ""),
          "杭州市西湖区文三路", 30.274, 120.155, SUMMARY.format(cat=names.get(cat, cat)),
          RESULT, "[]", created, created, 1)
         for case_id, kind, cat, path, created in rows])
    con.execute('UPDATE "case" SET public = 1 WHERE id IN (SELECT case_id FROM publication)')
    con.execute("ANALYZE")
    con.commit()
    con.close()
    return len(rows)


def _load(db: Path) -> int:
    con = sqlite3.connect(db)
    units = [(i, p) for i, p, k in con.execute("SELECT id, path, kind FROM unit ORDER BY id")
             if k != "platform"]
    root = con.execute("SELECT path FROM unit WHERE parent_id IS NULL").fetchone()[0]
    con.close()
    cw.load_sqlite(db, N, units, root)
    return _publish(db)


def run() -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="hotline-bench-open311-") as tmp_name:
        tmp = Path(tmp_name)
        env = _env(tmp)
        _run_cli(["migrate"], env, tmp)
        _run_cli(["seed-demo"], env, tmp)
        published = _load(tmp / "bench.sqlite3")
        results: dict[str, float] = {"cases": N, "published": published,
                                     "load_avg_before": round(os.getloadavg()[0], 2)}
        bare_rps = 0.0
        for suffix, cache_s in CACHES.items():
            server_env = env | ({"HOTLINE_OPEN311_REPLY_CACHE_S": cache_s} if cache_s else {})
            with serve(server_env, tmp, tmp / f"server{suffix}.log") as (base, pid):
                if not bare_rps:
                    results |= _bare(base, pid)
                    bare_rps = results["bare_rps"]
                results |= _paths(base, pid, suffix, bare_rps, results["bare_cpu_ms"])
        results["load_avg_after"] = round(os.getloadavg()[0], 2)
    for suffix in CACHES:
        for kind in ("to_bare", "cpu"):
            ratio = results[f"open311_requests_json{suffix}_{kind}_ratio"]
            print(f"# target open311_requests_json{suffix}_{kind}_ratio >= {TARGET}: "
                  f"{'met' if ratio >= TARGET else 'MISSED'} ({ratio})", file=sys.stderr)
    return results


def _load_path(base: str, path: str, seconds: int) -> Any:
    return run_load(base + path, prefer=os.environ.get("BENCH_LOADGEN", "auto"),
                    connections=CONNECTIONS, duration_s=seconds)


def _measured(base: str, pid: int, path: str) -> tuple[Any, float]:
    """The load of ``path`` and the server's CPU milliseconds per request meanwhile."""
    before = _cpu_s(pid)
    got = _load_path(base, path, DURATION_S)
    after = _cpu_s(pid)
    cpu_ms = ((after - before) * 1000 / got.requests
              if before is not None and after is not None and got.requests else 0.0)
    return got, cpu_ms


def _bare(base: str, pid: int) -> dict[str, float]:
    _load_path(base, "/healthz", WARMUP_S)
    bare, cpu_ms = _measured(base, pid, "/healthz")
    return {"bare_rps": round(bare.rps, 1), "bare_p99_ms": round(bare.p99_ms, 2),
            "bare_cpu_ms": round(cpu_ms, 3)}


def _paths(base: str, pid: int, suffix: str, bare_rps: float,
           bare_cpu_ms: float) -> dict[str, float]:
    results: dict[str, float] = {}
    status, rows = _request(base, "GET", PATHS["open311_requests_json_1000"])
    if status != 200 or not isinstance(rows, list) or not rows:
        raise RuntimeError(f"requests.json answered {status}: {str(rows)[:300]}")
    results["rows_in_window"] = len(rows)
    status, page = _request(base, "GET", PATHS["open311_requests_json"])
    if status != 200 or len(page) != 20:
        raise RuntimeError(f"requests.json?page_size=20 answered {status}")
    for name, path in PATHS.items():
        _load_path(base, path, WARMUP_S)
        got, cpu_ms = _measured(base, pid, path)
        if got.non2xx or got.socket_errors:
            raise RuntimeError(f"{name}: {got.non2xx} non-2xx, {got.socket_errors} "
                               "socket errors")
        results |= {
            f"{name}{suffix}_rps": round(got.rps, 1),
            f"{name}{suffix}_p99_ms": round(got.p99_ms, 2),
            f"{name}{suffix}_to_bare_ratio": round(got.rps / bare_rps, 3) if bare_rps else 0.0,
            f"{name}{suffix}_cpu_ms": round(cpu_ms, 3),
            f"{name}{suffix}_cpu_ratio": round(bare_cpu_ms / cpu_ms, 3) if cpu_ms else 0.0,
        }
    return results


if __name__ == "__main__":
    for figure, value in run().items():
        print(f"{figure}: {value} {UNITS.get(figure, '')}".rstrip(), flush=True)
