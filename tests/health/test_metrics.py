"""`/metrics`: bounded label values, the request series, and a bearer token when one is
configured."""

from __future__ import annotations

from collections.abc import AsyncIterator
from uuid import uuid4

import httpx
import pytest
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr

from maintainpro.app import create_app
from maintainpro.config import Settings
from maintainpro.core import metrics
from maintainpro.core.db import Database

TOKEN = "scrape-me-4f9c1d"


@pytest.fixture
async def guarded(settings: Settings, test_database: Database) -> AsyncIterator[httpx.AsyncClient]:
    http = settings.http.model_copy(update={"metrics_token": SecretStr(TOKEN)})
    app = create_app(settings.model_copy(update={"http": http}), database=test_database)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


async def test_unknown_methods_and_routes_collapse_to_one_label(
    client: httpx.AsyncClient,
) -> None:
    for method in ("BREW", "X-INVENTED-1", "X-INVENTED-2"):
        await client.request(method, "/health/live")
    for path in ("/nowhere/1", "/nowhere/2"):
        await client.get(path)
    text = (await client.get("/metrics")).text
    assert "BREW" not in text
    assert "X-INVENTED" not in text
    assert 'method="other",route="/health/live",status="405"' in text
    assert "/nowhere" not in text
    assert 'method="GET",route="unmatched",status="404"' in text


async def test_metrics_need_the_token_when_one_is_set(guarded: httpx.AsyncClient) -> None:
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {TOKEN}"}):
        refused = await guarded.get("/metrics", headers=headers)
        assert refused.status_code == 401
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.json()["code"] == "unauthenticated"
        assert "maintainpro_http" not in refused.text
    allowed = await guarded.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert allowed.status_code == 200
    assert "maintainpro_http_requests_total" in allowed.text


async def test_metrics_are_open_without_a_token(client: httpx.AsyncClient) -> None:
    assert (await client.get("/metrics")).status_code == 200


def test_request_series_count_buckets_and_errors_as_prometheus_does() -> None:
    route = f"/test/{uuid4()}"
    for seconds in (0.001, 0.005, 0.2, 20.0):
        metrics.observe_request("GET", route, 200, seconds)
    metrics.observe_request("GET", route, 503, 0.3)
    metrics.observe_request("BREW", route, 500, 0.3)
    samples = {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(generate_latest(metrics.REGISTRY).decode())
        for sample in family.samples
        if sample.labels.get("route") == route
    }

    def value(name: str, **labels: str) -> float:
        return samples[(name, tuple(sorted({"route": route, **labels}.items())))]

    assert value("maintainpro_http_requests_total", method="GET", status="200") == 4
    assert value("maintainpro_http_requests_total", method="other", status="500") == 1
    assert value("maintainpro_http_errors_total", method="GET") == 1
    assert value("maintainpro_http_errors_total", method="other") == 1
    bucket = "maintainpro_http_request_duration_seconds_bucket"
    # Upper bounds are inclusive and cumulative; statuses share the route's histogram.
    assert value(bucket, method="GET", le="0.005") == 2
    assert value(bucket, method="GET", le="0.25") == 3
    assert value(bucket, method="GET", le="0.5") == 4
    assert value(bucket, method="GET", le="10.0") == 4
    assert value(bucket, method="GET", le="+Inf") == 5
    assert value("maintainpro_http_request_duration_seconds_count", method="GET") == 5
    assert value("maintainpro_http_request_duration_seconds_sum", method="GET") == pytest.approx(
        20.506
    )
