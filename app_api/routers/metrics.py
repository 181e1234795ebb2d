"""``GET /metrics``: Prometheus text format, for the operators' scraper only.

Who may read it: with ``HOTLINE_METRICS_TOKEN`` set, a caller presenting
``Authorization: Bearer <token>`` (from anywhere); without it, only a client on loopback (the
address ``app_api.deps.client_ip`` decides, so a request forwarded by a trusted proxy counts as
its original client, not as the proxy). Anything else is 401 (token set) or 403.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging

from fastapi import APIRouter, Request
from prometheus_client.core import GaugeMetricFamily, Metric
from starlette.responses import Response

from app_api.deps import client_ip
from app_api.schemas.problem import problems
from casework.lights import light_counts
from hotline import metrics
from hotline import settings as settings_mod
from hotline.errors import Forbidden, Unauthorized
from notify.backlog import backlog

router = APIRouter(tags=["operations"])
log = logging.getLogger("hotline.metrics")


def _allowed(request: Request) -> None:
    token = settings_mod.current().metrics_token
    if token:
        given = request.headers.get("authorization", "")
        scheme, _, value = given.partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(
            value.strip().encode(), token.encode()
        ):
            raise Unauthorized(
                "需要指标令牌", code="metrics_token_required",
                headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
            )
        return
    try:
        loopback = ipaddress.ip_address(client_ip(request)).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise Forbidden(
            "指标仅对本机开放（或设置 HOTLINE_METRICS_TOKEN）", code="metrics_forbidden"
        )


async def _scraped() -> list[Metric]:
    """What the database says now: the outbox backlog and open cases by light."""
    up = GaugeMetricFamily(
        "hotline_metrics_database_up", "1 when the scrape-time database reads succeeded"
    )
    try:
        queue = await backlog()
        lights = await light_counts()
    except Exception:
        log.warning("metrics: the database reads failed", exc_info=True)
        up.add_metric([], 0)
        return [up]
    up.add_metric([], 1)
    unsent = GaugeMetricFamily(
        "hotline_outbox_unsent", "Outbox rows not sent yet, by status", labels=["status"]
    )
    for status, count in sorted(queue.unsent.items()):
        unsent.add_metric([status], count)
    due = GaugeMetricFamily(
        "hotline_outbox_due", "Pending outbox rows whose send time has come"
    )
    due.add_metric([], queue.due)
    age = GaugeMetricFamily(
        "hotline_outbox_oldest_unsent_age_seconds",
        "Age of the oldest outbox row not sent yet (0 when none)",
    )
    age.add_metric([], queue.oldest_age_s)
    by_light = GaugeMetricFamily(
        "hotline_cases_by_light", "Open cases with a due date, by traffic light",
        labels=["light"],
    )
    for light in ("green", "yellow", "red"):
        by_light.add_metric([light], lights[light])
    return [up, unsent, due, age, by_light]


@router.get(
    "/metrics",
    response_class=Response,
    responses={
        200: {
            "content": {metrics.CONTENT_TYPE.split(";")[0]: {"schema": {"type": "string"}}},
            "description": "Prometheus 文本格式的指标",
        },
        **problems(401, 403),
    },
)
async def prometheus_metrics(request: Request) -> Response:
    """Metrics in the Prometheus text format (loopback, or ``HOTLINE_METRICS_TOKEN``)."""
    _allowed(request)
    body = metrics.exposition(await _scraped())
    return Response(body, media_type=metrics.CONTENT_TYPE)
