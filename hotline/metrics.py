"""Prometheus metrics of the process (prometheus-client), and their text exposition.

Counted where things happen: HTTP requests (``app_api.observe``), outbox deliveries
(``notify.worker``), deadline sweeps (``casework.sweeper``). Read at scrape time from the
database (``GET /metrics``, ``app_api.routers.metrics``): the outbox backlog and cases by light.

**Several processes.** With ``PROMETHEUS_MULTIPROC_DIR`` set (before the process starts: the
client reads it when it is imported) every process writes its counters to files in that
directory, and a scrape of any API process sums the files of every process on the host — the
API replicas of ``hotline serve --workers N`` and ``hotline worker`` beside them, when they
share the directory. Only counters, histograms and a ``max`` gauge are kept here, so the files
of processes that ended need no clean-up (their counts stay in the sums, as a counter should);
empty the directory when the host boots (a tmpfs such as ``/run``). Without the variable the
process's default registry is served, with the client's process and GC collectors.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator

from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.core import Metric
from prometheus_client.multiprocess import MultiProcessCollector

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

_LATENCY_BUCKETS = (
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
)

HTTP_REQUESTS = Counter(
    "hotline_http_requests",
    "HTTP requests answered, by method, route template and status class",
    ["method", "route", "status"],
)
HTTP_DURATION = Histogram(
    "hotline_http_request_duration_seconds",
    "Time from the request's arrival to the end of its answer, by route template",
    ["method", "route", "status"],
    buckets=_LATENCY_BUCKETS,
)
DELIVERIES = Counter(
    "hotline_outbox_deliveries",
    "Outbox attempts by the channel used and how they ended (sent, failed = retried later, "
    "dead, suppressed)",
    ["channel", "result"],
)
SWEEPS = Counter(
    "hotline_sweeper_runs", "Deadline sweeps, by result (ok, error)", ["result"]
)
SWEEP_DURATION = Histogram(
    "hotline_sweeper_duration_seconds",
    "Duration of a successful deadline sweep",
    buckets=(0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 15.0, 60.0, 300.0),
)
SWEEP_ALERTS = Counter(
    "hotline_sweeper_alerts",
    "Lights the sweeper acted on: yellow and red reminders, automatic supervision",
    ["kind"],
)
SWEEP_LAST_OK = Gauge(
    "hotline_sweeper_last_success_timestamp_seconds",
    "Unix time of the last successful deadline sweep",
    multiprocess_mode="max",
)


def multiprocess_dir() -> str:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or os.environ.get(
        "prometheus_multiproc_dir", ""
    )


def delivery(channel: str | None, result: str) -> None:
    DELIVERIES.labels(channel or "none", result).inc()


class _Fixed:
    """A collector of metric families computed before the scrape (the database reads)."""

    def __init__(self, families: Iterable[Metric]) -> None:
        self.families = list(families)

    def collect(self) -> Iterator[Metric]:
        yield from self.families


def exposition(scraped: Iterable[Metric] = ()) -> bytes:
    """The text format of every metric: this process's (or, in multiprocess mode, every
    process's on the host) followed by ``scraped``, the families read at scrape time."""
    registry: CollectorRegistry = REGISTRY
    if multiprocess_dir():
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
    once = CollectorRegistry()
    once.register(_Fixed(scraped))
    return generate_latest(registry) + generate_latest(once)
