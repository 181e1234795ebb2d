"""The `hotline` command line, run as a real process against its own database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from hotline.db import scratch_database
from tests.conftest import _postgres_url

HOTLINE = [sys.executable, "-m", "launch"]


@pytest.fixture
async def cli_env(tmp_path: Path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOTLINE_")}
    env |= {"HOTLINE_VAR_DIR": str(tmp_path / "var"), "PYTHONPATH": os.getcwd()}
    pg = _postgres_url()
    if not pg:
        yield env
        return
    async with scratch_database(pg, "hotline_cli") as url:
        yield env | {"HOTLINE_DATABASE_URL": url}


def run(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*HOTLINE, *args], env=env, input=stdin, capture_output=True, text=True, timeout=120
    )


def test_commands_on_a_fresh_database(cli_env):
    behind = run(cli_env, "worker")
    assert behind.returncode == 2
    assert "hotline migrate" in behind.stderr

    assert run(cli_env, "migrate").returncode == 0
    seeded = run(cli_env, "seed-demo", "--if-empty")
    assert seeded.returncode == 0, seeded.stderr
    assert "浙江省" in seeded.stdout
    again = run(cli_env, "seed-demo", "--if-empty")
    assert "nothing to do" in again.stdout

    units = run(cli_env, "units")
    assert units.returncode == 0
    lines = units.stdout.splitlines()
    assert lines[0].startswith("ZJ12345\t")
    assert any("HZ-STHJJ\t杭州市生态环境局\t330100" in line for line in lines)

    staff = run(cli_env, "create-staff", "wang", "--role", "handler", "--unit", "HZ-CGJ",
                stdin="A-long-password\n")
    assert staff.returncode == 0, staff.stderr
    assert "杭州市城市管理局" in staff.stdout
    root = run(cli_env, "create-staff", "li", "--role", "supervisor", stdin="A-long-password\n")
    assert root.returncode == 0, root.stderr
    bad = run(cli_env, "create-staff", "zhao", "--role", "handler", "--phone", "12",
              stdin="A-long-password\n")
    assert bad.returncode == 2 and "手机号码" in bad.stderr
    short = run(cli_env, "create-staff", "qian", "--role", "handler", stdin="short\n")
    assert short.returncode == 2
    weak = run(cli_env, "create-staff", "qian", "--role", "handler", stdin="a-long-password\n")
    assert weak.returncode == 2 and "weak_password" in weak.stderr
    assert "浙江省12345政务服务热线中心" in root.stdout

    device = run(cli_env, "create-device", "西湖区行政服务中心", "--unit", "HZ-XH")
    assert device.returncode == 0
    assert "key (shown once): kiosk_" in device.stdout
    assert run(cli_env, "create-device", "x", "--unit", "NOPE").returncode == 2

    # the calendar import checks each year of its file as PUT /admin/calendar/{year} does
    calendar = Path(cli_env["HOTLINE_VAR_DIR"]) / "2027.csv"
    calendar.write_text("date,working,name\n2027-01-01,false,元旦\n2027-02-17,true,调休\n")
    contradiction = run(cli_env, "calendar", "import", str(calendar))
    assert contradiction.returncode == 2 and "2027-02-17" in contradiction.stderr
    calendar.write_text("date,working,name\n2027-01-01,false,元旦\n2027-02-20,true,调休\n")
    imported = run(cli_env, "calendar", "import", str(calendar))
    assert imported.returncode == 0, imported.stderr
    assert "[2027]" in imported.stdout


def test_production_refuses_to_start_without_keys(cli_env):
    env = cli_env | {"HOTLINE_ENV": "production"}
    r = run(env, "migrate")
    assert r.returncode == 2
    assert "HOTLINE_SECRET_KEY" in r.stderr


def test_serve_starts_with_a_summary_and_logs_requests(cli_env):
    import socket
    import time

    import httpx

    assert run(cli_env, "migrate").returncode == 0
    assert run(cli_env, "seed-demo").returncode == 0
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = cli_env | {"HOTLINE_RUN_WORKERS": "false"}
    proc = subprocess.Popen([*HOTLINE, "serve", "--port", str(port)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, "the server did not start"
            time.sleep(0.2)
    finally:
        proc.terminate()
        output = proc.communicate(timeout=30)[0]
    head = output.split("INFO:", 1)[0]
    assert f"http://127.0.0.1:{port}/docs" in head
    assert "hotline.sqlite3" in head or "postgres://" in head
    assert "console sink" in head and "hotline-demo-2026" in head
    assert '"GET /healthz HTTP/1.1" 200' in output  # requests are logged in development
    assert "WARNING" not in output and "Tortoise-ORM shutdown" not in output


def test_serve_with_two_workers_runs_each_periodic_job_once(cli_env):
    """Two API processes each run the outbox worker; every periodic job is held by one."""
    import asyncio
    import contextlib
    import socket
    import time

    import httpx

    assert run(cli_env, "migrate").returncode == 0
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([*HOTLINE, "serve", "--port", str(port), "--workers", "2"],
                            env=cli_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)

    def leases() -> list[dict[str, object]]:  # straight from the database
        url = cli_env.get("HOTLINE_DATABASE_URL")
        if not url:
            import sqlite3

            path = Path(cli_env["HOTLINE_VAR_DIR"]) / "hotline.sqlite3"
            with contextlib.closing(sqlite3.connect(path, timeout=10)) as conn:
                rows = conn.execute("SELECT name, holder FROM job_lease").fetchall()
            return [{"name": n, "holder": h} for n, h in rows]

        async def fetch() -> list[dict[str, object]]:
            import asyncpg

            conn = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
            try:
                return [dict(r) for r in await conn.fetch("SELECT name, holder FROM job_lease")]
            finally:
                await conn.close()

        return asyncio.run(fetch())

    try:
        deadline = time.monotonic() + 60
        held: list[dict[str, object]] = []
        while len(held) < 5:
            assert proc.poll() is None and time.monotonic() < deadline, "jobs not started"
            time.sleep(0.5)
            held = [r for r in leases() if r["holder"]]
        assert httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 200
    finally:
        proc.terminate()
        output = proc.communicate(timeout=60)[0]
    names = {r["name"] for r in held}
    assert names == {"digests", "photo_cleanup", "sweeper", "close_unrated", "reward_jobs"}
    assert output.count("Application startup complete") == 2
