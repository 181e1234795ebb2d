"""The one password strength rule (creation, resets, own changes, `hotline create-staff`)."""

from __future__ import annotations

import pytest

from hotline.errors import Problem
from identity.passwords import check_strength, strength_problem
from launch.seed import DEMO_PASSWORD


@pytest.mark.parametrize("password", [DEMO_PASSWORD, "Abcdefghi1", "ABCDEFGH-12", "Hello World!"])
def test_strong_enough(password: str) -> None:
    assert strength_problem(password, "operator") is None


@pytest.mark.parametrize(("password", "why"), [
    ("Ab1-short", "至少需要 10"),
    ("alllowercase-only", "至少三类"),
    ("ALLUPPER1234", "至少三类"),
    ("Li-Wang-2026", "用户名"),
])
def test_too_weak(password: str, why: str) -> None:
    problem = strength_problem(password, "wang")
    assert problem is not None and why in problem


def test_the_problem_names_the_field() -> None:
    with pytest.raises(Problem) as weak:
        check_strength("short", "x", field="new_password")
    assert weak.value.code == "weak_password" and weak.value.status == 422
    assert weak.value.extra["errors"][0]["loc"] == ["body", "new_password"]
