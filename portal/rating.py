"""The reply message's rating link: ``/h5/cases/{tracking_no}/rate#t=<token>``.

The page is a shell; its script reads the token from the fragment (never sent by a browser),
drops it from the address bar, and posts it in the body: once to see the link's state, once
more with the tapped face. Both answers are HTML fragments (casework.rating_links)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field

from app_api.schemas.inputs import TrackingNo
from casework import rating_links
from hotline.errors import Problem
from portal import templating

router = APIRouter()


class LinkIn(BaseModel):
    token: str = Field(max_length=rating_links.TOKEN_MAX)


class RateIn(LinkIn):
    score: int = Field(ge=1, le=5)
    comment: str = Field(default="", max_length=500)


@router.get("/cases/{tracking_no}/rate")
async def rate_page(tracking_no: TrackingNo, request: Request) -> HTMLResponse:
    return templating.render(request, "h5/rate.html", {"tracking_no": tracking_no})


async def _fragment(request: Request, tracking_no: str, body: RateIn | LinkIn) -> HTMLResponse:
    try:
        if isinstance(body, RateIn):
            state = await rating_links.rate(tracking_no, body.token, body.score,
                                            body.comment.strip())
        else:
            state = await rating_links.state(tracking_no, body.token)
    except Problem:
        return templating.render(request, "h5/_rate_state.html", {"s": None}, status=404)
    return templating.render(request, "h5/_rate_state.html",
                             {"s": state, "faces": FACES, "tracking_no": tracking_no})


@router.post("/cases/{tracking_no}/rate/state")
async def link_state(tracking_no: TrackingNo, body: LinkIn, request: Request) -> HTMLResponse:
    return await _fragment(request, tracking_no, body)


@router.post("/cases/{tracking_no}/rate")
async def rate(tracking_no: TrackingNo, body: RateIn, request: Request) -> HTMLResponse:
    return await _fragment(request, tracking_no, body)


# five large faces with their words, best first: (score, the mouth's curve in the SVG, word)
FACES = [(5, 21, "非常满意"), (4, 19, "满意"), (3, 16, "基本满意"), (2, 13, "不满意"),
         (1, 11, "非常不满意")]
