"""Rewards' hooks are installed by the app assembly and the workers, not by an import."""

from __future__ import annotations

import subprocess
import sys

import pytest

from casework import hooks


@pytest.fixture
def bare_registry(monkeypatch):
    monkeypatch.setattr(hooks, "_on_submit", [])
    monkeypatch.setattr(hooks, "_on_step", [])
    monkeypatch.setattr(hooks, "_on_move", [])


def test_importing_rewards_registers_nothing():
    code = (
        "import app_api.routers.rewards, rewards.hooks, rewards.jobs\n"
        "from casework import hooks\n"
        "assert hooks._on_submit == [] and hooks._on_step == [], 'registered by an import'\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_install_is_explicit_and_idempotent(bare_registry):
    from rewards import hooks as reward_hooks

    reward_hooks.install()
    reward_hooks.install()
    assert [fn for fn, _ in hooks._on_submit] == [reward_hooks.on_submit]
    assert hooks._on_step == [reward_hooks.on_step]


def test_the_app_and_the_workers_install_them(bare_registry, monkeypatch):
    from app_api.app import create_app
    from launch import workers
    from partners import events as partner_events
    from publishing import hooks as publishing_hooks
    from rewards import hooks as reward_hooks

    # publishing follows its case; partners' webhooks are written with each case event
    installed = [reward_hooks.on_step, publishing_hooks._step, partner_events._stepped]
    create_app(workers_settings(), manage_db=False)
    assert hooks._on_step == installed
    assert hooks._on_move == [partner_events._moved]
    monkeypatch.setattr(hooks, "_on_step", [])
    monkeypatch.setattr(hooks, "_on_move", [])
    monkeypatch.setattr(workers.asyncio, "create_task", lambda coro, **_: coro.close())
    workers.start_workers(workers_settings())
    assert hooks._on_step == installed
    assert hooks._on_move == [partner_events._moved]


def workers_settings():
    from hotline import settings as settings_mod

    return settings_mod.current()
