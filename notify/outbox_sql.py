"""The statements of the outbox worker (:mod:`notify.worker`): claim, bury, recover, finish and
release, in the ``?`` form that ``hotline.db.dialect_sql`` turns into PostgreSQL's ``$n``."""

from __future__ import annotations

UNCONFIRMED = "unconfirmed"
COLUMNS = (
    "id, channel, template, recipient_kind, recipient_id, address_enc, params_enc, case_id, "
    "urgent, attempts, provider_status"
)
# A citizen's preferences as one number (1: SMS on, 2: WeChat on), NULL for other recipients:
# a primary-key look-up per claimed row inside the claim itself, not a query per message.
PREFS = (
    "CASE WHEN recipient_kind = 'citizen' THEN (SELECT "
    "CASE WHEN c.notify_sms THEN 1 ELSE 0 END + CASE WHEN c.notify_wechat THEN 2 ELSE 0 END "
    "FROM citizen c WHERE c.id = CAST(recipient_id AS BIGINT)) END AS prefs"
)
CLAIM_SQL = (
    "UPDATE outbox_message SET status = 'sending', attempts = attempts + 1, claimed_until = ? "
    "WHERE id IN (SELECT id FROM outbox_message WHERE status = 'pending' "
    "AND next_attempt_at <= ?{skip} ORDER BY next_attempt_at LIMIT ?{lock}) RETURNING "
    + COLUMNS + ", " + PREFS
)
BURY_SQL = (
    "UPDATE outbox_message SET status = 'dead', claimed_until = NULL, "
    "last_error = 'the worker was lost during each of its attempts' "
    "WHERE status = 'sending' AND claimed_until < ? AND attempts >= ? "
    "AND recipient_kind <> 'partner'"  # webhooks end by time (the channel's ``gives_up``)
)
GROUPED = "partner"  # the recipient kind whose rows are limited per recipient
SKIP_GROUPS = " AND NOT (recipient_kind = 'partner' AND recipient_id IN ({marks}))"
RECOVER_SQL = (
    "UPDATE outbox_message SET status = 'pending', claimed_until = NULL, "
    f"provider_status = '{UNCONFIRMED}', next_attempt_at = ? "
    "WHERE status = 'sending' AND claimed_until < ?"
)
FINISH_SQL = (
    "UPDATE outbox_message SET status = ?, channel = ?, attempts = ?, next_attempt_at = ?, "
    "claimed_until = NULL, provider_id = COALESCE(?, provider_id), "
    "provider_status = COALESCE(?, provider_status), last_error = COALESCE(?, last_error), "
    "sent_at = COALESCE(?, sent_at) WHERE id = ? AND status = 'sending' AND attempts = ?"
)

RELEASE_SQL = (
    "UPDATE outbox_message SET status = 'pending', attempts = attempts - 1, "
    "claimed_until = NULL WHERE id = ? AND status = 'sending' AND attempts = ?"
)
