"""Rotating a partner's API key and webhook secret, with an overlap, and revoking the old one.

A rotation makes a new key (or secret), shown once. The previous one keeps working until the
overlap ends (``overlap_s``; 0 ends it at once), so the partner can switch without an outage:
the old key is still accepted, and deliveries carry a second signature made with the old secret.
Revoking ends the overlap now. Only one previous key (and secret) is kept: a second rotation
replaces it. Every change is audited, never with a key or a secret in the entry.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.transactions import in_transaction

from audit import log as audit_log
from hotline.crypto import encrypt
from hotline.timefmt import iso
from identity.principal import Principal
from partners import admin, delivery, keys

MAX_OVERLAP_S = 30 * 86400


def _until(now: datetime, overlap_s: int) -> datetime | None:
    return now + timedelta(seconds=overlap_s) if overlap_s > 0 else None


async def rotate_key(who: Principal, partner_id: int, overlap_s: int) -> dict[str, Any]:
    """A new API key (shown once); the current one stays valid for ``overlap_s`` seconds."""
    now = datetime.now(UTC)
    api_key = keys.new_key()
    async with in_transaction() as conn:
        p, unit = await admin.locked(conn, who, partner_id)
        until = _until(now, overlap_s)
        p.old_key_digest, p.old_key_until = (p.key_digest, until) if until else (None, None)
        p.key_digest = keys.digest(api_key)
        await p.save(using_db=conn,
                     update_fields=["key_digest", "old_key_digest", "old_key_until"])
        await audit_log.record(conn, who, "partner.rotate_key", f"partner:{p.id}",
                               scope_path=await admin.audit_scope(unit),
                               after={"old_key_until": iso(until) if until else None})
    return {"id": p.id, "api_key": api_key, "old_key_valid_until": iso(until) if until else None}


async def revoke_old_key(who: Principal, partner_id: int) -> None:
    """End the overlap now: the key before the last rotation is refused from this request on."""
    async with in_transaction() as conn:
        p, unit = await admin.locked(conn, who, partner_id)
        if p.old_key_digest is None:
            return
        p.old_key_digest, p.old_key_until = None, None
        await p.save(using_db=conn, update_fields=["old_key_digest", "old_key_until"])
        await audit_log.record(conn, who, "partner.revoke_old_key", f"partner:{p.id}",
                               scope_path=await admin.audit_scope(unit))


async def rotate_secret(who: Principal, partner_id: int, overlap_s: int) -> dict[str, Any]:
    """A new webhook secret (shown once); deliveries are signed with both until the overlap
    ends, then with the new one only."""
    now = datetime.now(UTC)
    secret = keys.new_webhook_secret()
    async with in_transaction() as conn:
        p, unit = await admin.locked(conn, who, partner_id)
        until = _until(now, overlap_s)
        p.old_secret_enc, p.old_secret_until = (
            (p.webhook_secret_enc, until) if until else (None, None)
        )
        p.webhook_secret_enc = encrypt(secret)
        await p.save(using_db=conn,
                     update_fields=["webhook_secret_enc", "old_secret_enc", "old_secret_until"])
        await audit_log.record(conn, who, "partner.rotate_secret", f"partner:{p.id}",
                               scope_path=await admin.audit_scope(unit),
                               after={"old_secret_until": iso(until) if until else None})
    delivery.forget()
    return {"id": p.id, "webhook_secret": secret,
            "old_secret_valid_until": iso(until) if until else None}
