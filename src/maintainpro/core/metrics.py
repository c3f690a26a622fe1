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


# The label children of each (method, route, status) seen, resolved once: `labels()` costs a
# lock and a few dict operations per call. Bounded by the label sets above (fixed methods,
# route templates, status codes).
_CHILDREN: dict[tuple[str, str, int], tuple[Counter, Histogram, Counter | None]] = {}


def _children(method: str, route: str, status: int) -> tuple[Counter, Histogram, Counter | None]:
    key = (method, route, status)
    found = _CHILDREN.get(key)
    if found is None:
        label = method_label(method)
        found = (
            REQUESTS.labels(label, route, str(status)),
            LATENCY.labels(label, route),
            ERRORS.labels(label, route) if status >= 500 else None,
        )
        if len(_CHILDREN) < 10_000:  # only an unbounded label could reach this
            _CHILDREN[key] = found
    return found


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    requests, latency, errors = _children(method, route, status)
    requests.inc()
    latency.observe(seconds)
    if errors is not None:
        errors.inc()
