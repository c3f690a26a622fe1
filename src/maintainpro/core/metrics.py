"""Prometheus metrics: request rate/latency/errors, connection pool usage, job queue depth."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

REGISTRY = CollectorRegistry(auto_describe=True)

REQUESTS = Counter(
    "maintainpro_http_requests_total",
    "HTTP requests",
    ["method", "route", "status"],
    registry=REGISTRY,
)
ERRORS = Counter(
    "maintainpro_http_errors_total",
    "HTTP responses with status >= 500",
    ["method", "route"],
    registry=REGISTRY,
)
LATENCY = Histogram(
    "maintainpro_http_request_duration_seconds",
    "HTTP request latency",
    ["method", "route"],
    registry=REGISTRY,
)
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


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    method = method_label(method)
    REQUESTS.labels(method, route, str(status)).inc()
    LATENCY.labels(method, route).observe(seconds)
    if status >= 500:
        ERRORS.labels(method, route).inc()
