"""Replies of the liveness and readiness probes."""

from __future__ import annotations

from pydantic import Field

from app_api.schemas.base import Out


class HealthOut(Out):
    status: str = Field(description="固定为 ok：进程存活", examples=["ok"])


class ReadyOut(Out):
    """Readiness: ``ready`` (200), or why not (503, same shape, for probes)."""

    status: str = Field(
        description=(
            "ready；不可用时为 unavailable（数据库不可达）或 migrations_pending（需执行迁移）"
        ),
        examples=["ready"],
    )
    detail: str | None = Field(
        default=None, description="数据库不可达时的错误摘要", examples=[None]
    )
    pending: list[str] | None = Field(
        default=None, description="未执行的迁移", examples=[None]
    )
