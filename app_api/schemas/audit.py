"""Replies of the audit log (``/admin/audit``)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from app_api.schemas.base import TIME_EXAMPLE, IsoTime, Out

HASH_EXAMPLE = "9f2c1e0b7d4a3c5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6"


class AuditLogEntryOut(Out):
    """One entry of the audit log."""

    seq: int = Field(description="日志序号（链中的位置，从 1 起连续）", examples=[1024])
    at: IsoTime = Field(description="发生时间", examples=[TIME_EXAMPLE])
    actor: str = Field(
        description="操作人：工作人员用户名、system，或登录失败时输入的用户名",
        examples=["dispatcher"],
    )
    action: str = Field(
        description="操作，例如 case.dispatch、staff.login、reward.approve、unit.create",
        examples=["case.dispatch"],
    )
    target: str = Field(description="操作对象，例如 case:20261127-000123、staff:alice",
                        examples=["case:20261127-000123"])
    before: dict[str, Any] | None = Field(
        description="变更前的相关字段（无则为 null）",
        examples=[{"status": "submitted", "unit_id": 1}],
    )
    after: dict[str, Any] | None = Field(
        description="变更后的相关字段（无则为 null）",
        examples=[{"status": "dispatched", "unit_id": 12}],
    )
    hash: str = Field(description="本条记录在哈希链中的哈希值", examples=[HASH_EXAMPLE])


class AuditPageOut(Out):
    """A page of the audit log, newest first."""

    items: list[AuditLogEntryOut] = Field(description="本页日志")
    next_cursor: str | None = Field(
        description="下一页的 cursor 参数；没有更多时为 null", examples=["YXVkaXQ6MTAyNA.abc"]
    )


class AuditVerifyOut(Out):
    """The result of recomputing the whole hash chain."""

    intact: bool = Field(description="整条日志链是否完好（无篡改、删除或错位）", examples=[True])
    count: int = Field(description="链头记录的日志条数", examples=[1024])
    head: str | None = Field(description="链头哈希（空日志为 null）", examples=[HASH_EXAMPLE])
    first_broken_seq: int | None = Field(
        description="第一条被改动、缺失或错位的日志序号；完好时为 null", examples=[None]
    )
