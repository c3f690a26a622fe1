"""Prometheus metrics: request rate/latency/errors, connection pool usage, job queue depth."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator
from itertools import accumulate

from prometheus_client import CollectorRegistry, Gauge, Histogram
from prometheus_client.core import CounterMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector

REGISTRY = CollectorRegistry(auto_describe=True)

POOL = Gauge(
    "maintainpro_db_pool_connections",
    "Database pool connections by state",
    ["state"],
    registry=REGISTRY,
)
JOBS = Gauge(
    "maintainpro_job_queue_depth",
    "Jobs by queue and status",
    ["queue", "status"],
    registry=REGISTRY,
)


# Label values come from a fixed set: a client inventing methods cannot grow the series.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
OTHER_METHOD = "other"
UNMATCHED_ROUTE = "unmatched"


def method_label(method: str) -> str:
    return method if method in METHODS else OTHER_METHOD


# Request counts and latencies are plain numbers per (method, route, status), turned into
# Prometheus families when scraped: a prometheus_client child takes a lock on every increment,
# three per request, which made metrics a tenth of a liveness probe's cost. Only the event
# loop's thread records requests and serves the scrape, so no lock is needed.
BOUNDS = Histogram.DEFAULT_BUCKETS[:-1]  # the finite upper bounds; +Inf is the last slot
_COUNT, _SUM, _FIRST_BUCKET = 0, 1, 2
_UPPER_LABELS = (*(str(bound) for bound in BOUNDS), "+Inf")  # the histogram's `le` labels
Series = list[float]  # count, sum of seconds, then one (non-cumulative) count per bucket
_BY_LABELS: dict[tuple[str, str, int], Series] = {}
# The series of each (method, route, status) as the request gave it: bounded, because an
# unknown method shares the label `other` (see `method_label`).
_SEEN: dict[tuple[str, str, int], Series] = {}


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    series = _SEEN.get((method, route, status)) or _series(method, route, status)
    series[_COUNT] += 1
    series[_SUM] += seconds
    series[_FIRST_BUCKET + bisect_left(BOUNDS, seconds)] += 1


def _series(method: str, route: str, status: int) -> Series:
    labels = (method_label(method), route, status)
    series = _BY_LABELS.setdefault(labels, [0, 0.0] + [0] * (len(BOUNDS) + 1))
    if len(_SEEN) < 10_000:  # only an unbounded label could reach this
        _SEEN[(method, route, status)] = series
    return series


class RequestCollector(Collector):
    """`maintainpro_http_requests_total{method,route,status}`,
    `maintainpro_http_errors_total{method,route}` (status >= 500) and the latency histogram
    `maintainpro_http_request_duration_seconds{method,route}`."""

    def collect(self) -> Iterator[Metric]:
        requests = CounterMetricFamily(
            "maintainpro_http_requests", "HTTP requests", labels=["method", "route", "status"]
        )
        errors = CounterMetricFamily(
            "maintainpro_http_errors",
            "HTTP responses with status >= 500",
            labels=["method", "route"],
        )
        latency = HistogramMetricFamily(
            "maintainpro_http_request_duration_seconds",
            "HTTP request latency",
            labels=["method", "route"],
        )
        per_route: dict[tuple[str, str], Series] = {}
        failed: dict[tuple[str, str], float] = {}
        for (method, route, status), series in _BY_LABELS.items():
            requests.add_metric([method, route, str(status)], series[_COUNT])
            key = (method, route)
            merged = per_route.setdefault(key, [0.0] * len(series))
            for slot, value in enumerate(series):
                merged[slot] += value
            if status >= 500:
                failed[key] = failed.get(key, 0) + series[_COUNT]
        for (method, route), total in failed.items():
            errors.add_metric([method, route], total)
        for (method, route), series in per_route.items():
            cumulative = list(accumulate(series[_FIRST_BUCKET:]))
            latency.add_metric(
                [method, route], list(zip(_UPPER_LABELS, cumulative, strict=True)), series[_SUM]
            )
        yield from (requests, errors, latency)


REGISTRY.register(RequestCollector())
