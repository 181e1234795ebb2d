"""The rating link of a reply message: one tap rates the reply without logging in.

The link is ``/h5/cases/{tracking_no}/rate#t=<token>``. The token is signed with the
platform's secret key, bound to the case's tracking number and to the reply round it rates,
and expires ``RATING_LINK_DAYS`` after the reply. It rides in the URL's fragment, which a
browser never sends: the page's script posts it in a request body, so it appears in no access
log, proxy log or Referer. A link rates once (``Rating`` is unique per case and round); used
again it shows the rating already given; a link of an earlier round, after a new reply, says
the link is out of date.

A follower's reply message (``case_follow_replied``) carries a link of its own: the token also
names the follower (``<round>.<expiry>.<signature>.f<citizen id>``, the id inside the signed
text), and the tap records that follower's rating (``casework.follow.rate``), which leaves the
case as it is.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from dataclasses import dataclass
from typing import Any

from casework import views
from casework.transitions import AWAITING_RATING, State
from hotline import settings as settings_mod
from hotline.errors import Conflict, InvalidTransition, NotFound
from identity.principal import Principal
from models.case import Case, Rating
from models.follow import FollowerRating

RATING_LINK_DAYS = 8  # the reply closes unrated after 7 days; a day's slack for late taps
TOKEN_MAX = 80
# a follower may rate the current answer in these states (casework.follow.RATEABLE)
FOLLOWER_RATEABLE = AWAITING_RATING + (State.RATED, State.CLOSED)


def _sign(tracking_no: str, round_: int, expires: int, follower: int | None = None) -> str:
    key = settings_mod.current().secret_key.encode()
    text = f"rating-link:{tracking_no}:{round_}:{expires}"
    if follower is not None:
        text += f":f{follower}"
    mac = hmac.new(key, text.encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(mac.digest()[:18]).decode()


def make_token(tracking_no: str, round_: int, *, now: float | None = None,
               follower: int | None = None) -> str:
    expires = int((now or time.time()) + RATING_LINK_DAYS * 86400)
    token = f"{round_}.{expires}.{_sign(tracking_no, round_, expires, follower)}"
    return token if follower is None else f"{token}.f{follower}"


def url(case: Case, follower: int | None = None) -> str:
    """The link for the case's current reply round: the reporter's (for the reply message),
    or a follower's (for that follower's ``case_follow_replied``)."""
    token = make_token(case.tracking_no, case.reply_round, follower=follower)
    return f"{settings_mod.current().public_base_url}/h5/cases/{case.tracking_no}/rate#t={token}"


def _digits(text: str) -> bool:
    return text.isascii() and text.isdigit() and len(text) <= 15


def parse(tracking_no: str, token: str, *, now: float | None = None
          ) -> tuple[int, int | None] | None:
    """The reply round and the follower (None: the reporter) a valid, unexpired token names."""
    if not token or len(token) > TOKEN_MAX:
        return None
    parts = token.split(".")
    follower: int | None = None
    if len(parts) == 4 and parts[3][:1] == "f" and _digits(parts[3][1:]):
        follower = int(parts[3][1:])
        parts = parts[:3]
    if len(parts) != 3 or not all(_digits(p) for p in parts[:2]):
        return None
    round_, expires = int(parts[0]), int(parts[1])
    if not hmac.compare_digest(_sign(tracking_no, round_, expires, follower), parts[2]):
        return None
    if expires < (now or time.time()):
        return None
    return round_, follower


def round_of(tracking_no: str, token: str, *, now: float | None = None) -> int | None:
    """The reply round a valid, unexpired token names, else None."""
    named = parse(tracking_no, token, now=now)
    return named[0] if named else None


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
    named = parse(tracking_no, token)
    case = await Case.get_or_none(tracking_no=tracking_no) if named is not None else None
    if case is None or named is None:
        raise NotFound("评价链接无效或已过期", code="invalid_rating_link")
    round_, follower = named
    rating: Rating | FollowerRating | None
    if follower is None:
        rating = await Rating.get_or_none(case_id=case.id, round=round_)
    else:
        rating = await FollowerRating.get_or_none(case_id=case.id, citizen_id=follower,
                                                  round=round_)
    if rating is not None:
        return LinkState(tracking_no, "rated", case.reply_content or "", rating.score,
                         rating.comment)
    if case.reply_round != round_:
        return LinkState(tracking_no, "stale")
    if case.status not in (AWAITING_RATING if follower is None else FOLLOWER_RATEABLE):
        return LinkState(tracking_no, "closed")
    return LinkState(tracking_no, "open", case.reply_content or "")


async def rate(tracking_no: str, token: str, score: int, comment: str = "") -> LinkState:
    """Rate the round the link names, as the case's citizen (the link proves it); a second
    use, or a race with another tap, answers the rating already given."""
    current = await state(tracking_no, token)
    if current.state != "open":
        return current
    from casework import follow, lifecycle  # they import the steps, which make these links

    named = parse(tracking_no, token)
    if named is not None and named[1] is not None:
        follower = Principal(kind="citizen", id=named[1], channel="rating_link")
        try:
            await follow.rate(follower, tracking_no, score, comment)
        except (Conflict, NotFound):
            pass  # rated meanwhile, or no longer following: the state below says which
        return await state(tracking_no, token)
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
