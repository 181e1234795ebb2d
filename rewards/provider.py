"""The payout provider interface: a transfer that can be queried by our own trade number.

A provider is synchronous (the SDKs are): the payout worker calls it in a thread, never inside
a database transaction. Every transfer carries ``trade_no``, derived from the payout row, so
the provider deduplicates retries; after an unknown outcome the worker queries before it pays
again.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol


class Outcome(StrEnum):
    paid = "paid"  # the money has left
    failed = "failed"  # refused for good (wrong openid, name mismatch, ...): nothing was paid
    retry = "retry"  # refused for now (balance, frequency): nothing was paid, try again later
    unknown = "unknown"  # no answer (timeout, network, system error): query before retrying
    processing = "processing"  # accepted, not final yet: query later
    not_found = "not_found"  # a query found no such transfer: it is safe to transfer


@dataclass(frozen=True)
class TransferRequest:
    trade_no: str
    openid: str
    amount_fen: int
    desc: str
    real_name: str | None = None


@dataclass(frozen=True)
class TransferResult:
    outcome: Outcome
    provider_ref: str | None = None  # the provider's payment number
    error: str | None = None


class TransferProvider(Protocol):
    name: str

    def transfer(self, request: TransferRequest) -> TransferResult: ...

    def query(self, trade_no: str) -> TransferResult: ...


def trade_no(prefix: str, payout_id: int) -> str:
    """Our idempotency key for a payout: the prefix and the row id (WeChat: 8-32 alphanumerics)."""
    return f"{prefix}{payout_id:012d}"
