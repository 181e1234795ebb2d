"""The rating link of a reply message: one tap rates the reply without logging in.

The link is ``/h5/cases/{tracking_no}/rate#t=<token>``. The token is signed with the
platform's secret key, bound to the case's tracking number and to the reply round it rates,
and expires ``RATING_LINK_DAYS`` after the reply. It rides in the URL's fragment, which a
browser never sends: the page's script posts it in a request body, so it appears in no access
log, proxy log or Referer. A link rates once (``Rating`` is unique per case and round); used
again it shows the rating already given; a link of an earlier round, after a new reply, says
the link is out of date.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from dataclasses import dataclass
from typing import Any

from casework import views
from casework.transitions import AWAITING_RATING
from hotline import settings as settings_mod
from hotline.errors import Conflict, InvalidTransition, NotFound
from identity.principal import Principal
from models.case import Case, Rating

RATING_LINK_DAYS = 8  # the reply closes unrated after 7 days; a day's slack for late taps
TOKEN_MAX = 80


def _sign(tracking_no: str, round_: int, expires: int) -> str:
    key = settings_mod.current().secret_key.encode()
    mac = hmac.new(key, f"rating-link:{tracking_no}:{round_}:{expires}".encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(mac.digest()[:18]).decode()


def make_token(tracking_no: str, round_: int, *, now: float | None = None) -> str:
    expires = int((now or time.time()) + RATING_LINK_DAYS * 86400)
    return f"{round_}.{expires}.{_sign(tracking_no, round_, expires)}"


def url(case: Case) -> str:
    """The link for the case's current reply round (for the reply message)."""
    token = make_token(case.tracking_no, case.reply_round)
    return f"{settings_mod.current().public_base_url}/h5/cases/{case.tracking_no}/rate#t={token}"


def round_of(tracking_no: str, token: str, *, now: float | None = None) -> int | None:
    """The reply round a valid, unexpired token names, else None."""
    if not token or len(token) > TOKEN_MAX:
        return None
    parts = token.split(".")
    if len(parts) != 3 or not all(p.isascii() and p.isdigit() for p in parts[:2]):
        return None
    round_, expires = int(parts[0]), int(parts[1])
    if not hmac.compare_digest(_sign(tracking_no, round_, expires), parts[2]):
        return None
    if expires < (now or time.time()):
        return None
    return round_


@dataclass(frozen=True)
class LinkState:
    """What the rating page shows: ``open`` (rate now), ``rated`` (this round's rating),
    ``stale`` (a newer reply came since), ``closed`` (the case was closed unrated)."""

    tracking_no: str
    state: str
    reply: str = ""
    score: int | None = None
    comment: str = ""

    @property
    def label(self) -> str:
        return views.SCORE_LABELS.get(self.score or 0, "")


async def state(tracking_no: str, token: str) -> LinkState:
    """The state of a link; a bad, forged or expired token is a 404 (nothing is revealed)."""
    round_ = round_of(tracking_no, token)
    case = await Case.get_or_none(tracking_no=tracking_no) if round_ is not None else None
    if case is None or round_ is None:
        raise NotFound("评价链接无效或已过期", code="invalid_rating_link")
    rating = await Rating.get_or_none(case_id=case.id, round=round_)
    if rating is not None:
        return LinkState(tracking_no, "rated", case.reply_content or "", rating.score,
                         rating.comment)
    if case.reply_round != round_:
        return LinkState(tracking_no, "stale")
    if case.status not in AWAITING_RATING:
        return LinkState(tracking_no, "closed")
    return LinkState(tracking_no, "open", case.reply_content or "")


async def rate(tracking_no: str, token: str, score: int, comment: str = "") -> LinkState:
    """Rate the round the link names, as the case's citizen (the link proves it); a second
    use, or a race with another tap, answers the rating already given."""
    current = await state(tracking_no, token)
    if current.state != "open":
        return current
    from casework import lifecycle  # lifecycle imports the steps, which make these links

    case = await Case.get(tracking_no=tracking_no).only("id", "citizen_id")
    who = Principal(kind="citizen", id=case.citizen_id or 0, channel="rating_link")
    try:
        await lifecycle.perform(who, tracking_no, "rate", {"score": score, "comment": comment},
                                proven=True)
    except (InvalidTransition, Conflict):
        pass  # rated (or closed) meanwhile: the state below says which
    return await state(tracking_no, token)


def shown(s: LinkState) -> dict[str, Any]:
    return {"tracking_no": s.tracking_no, "state": s.state, "score": s.score,
            "label": s.label, "comment": s.comment}
