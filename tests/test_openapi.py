"""The served OpenAPI document tells the truth about failures: every error response is the
named `Problem` schema in application/problem+json, and 405 names the methods a path has."""

from __future__ import annotations

import re

import httpx
import pytest

from maintainpro.core.errors import PROBLEM_JSON
from tests.factories.identity import Tenant

METHODS = ("get", "post", "put", "patch", "delete")
PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}

Document = dict[str, dict[str, dict[str, dict[str, object]]]]


@pytest.fixture
async def document(client: httpx.AsyncClient) -> Document:
    response = await client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    body: Document = response.json()
    return body


def _operations(document: Document) -> list[tuple[str, str, dict[str, object]]]:
    return [
        (method, path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]


def _responses(operation: dict[str, object]) -> dict[str, dict[str, object]]:
    responses = operation["responses"]
    assert isinstance(responses, dict)
    return responses


def test_errors_are_named_problem_responses(document: Document) -> None:
    components = document["components"]
    assert "HTTPValidationError" not in components["schemas"]
    problem = components["schemas"]["Problem"]
    assert set(problem["required"]) == {
        "type",
        "title",
        "status",
        "detail",
        "code",
        "requestId",
    }
    for name, response in components["responses"].items():
        assert response["content"] == {PROBLEM_JSON: {"schema": PROBLEM_REF}}, name
    for method, path, operation in _operations(document):
        errors = {s: r for s, r in _responses(operation).items() if int(s) >= 400}
        if path.startswith("/api/"):
            assert {"401", "403", "503"} <= set(errors), (method, path)
        for response in errors.values():
            if "$ref" in response:
                assert response["$ref"].startswith("#/components/responses/")
            else:  # a status the route declared itself keeps its description
                assert response["content"] == {PROBLEM_JSON: {"schema": PROBLEM_REF}}
        assert ("422" in errors) == bool(
            operation.get("parameters") or operation.get("requestBody")
        )
        assert ("412" in errors) == any(
            p["name"] == "If-Match" for p in operation.get("parameters", [])
        )
        assert ("404" in errors) == ("{" in path), (method, path)


def test_security_is_declared_on_authenticated_operations(document: Document) -> None:
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    secured = {(m, p) for m, p, op in _operations(document) if op.get("security")}
    assert ("get", "/api/v1/assets") in secured
    assert ("post", "/api/v1/auth/login") not in secured
    assert ("get", "/health/live") not in secured
    login = _responses(document["paths"]["/api/v1/auth/login"]["post"])
    assert "429" in login
    assert "429" not in _responses(document["paths"]["/api/v1/assets"]["get"])


def test_success_media_types_are_the_real_ones(document: Document) -> None:
    for method, path, operation in _operations(document):
        no_content = _responses(operation).get("204")
        if no_content is not None:
            assert "content" not in no_content, (method, path)
    paths = document["paths"]
    label = _responses(paths["/api/v1/assets/{asset_id}/label"]["get"])["200"]["content"]
    assert set(label) == {"image/svg+xml", "image/png"}
    export = _responses(paths["/api/v1/activity-logs/export"]["get"])["200"]["content"]
    assert set(export) == {"text/csv", "application/json"}
    metrics = _responses(paths["/metrics"]["get"])["200"]["content"]
    assert set(metrics) == {"text/plain"}


ANY_ID = "01a23137-8bc4-726a-9791-03d3ba81bb01"


def _served(document: Document, url: str) -> set[str]:
    """The methods of every documented path template that `url` matches, as the router matches
    them (`/assets/nearby` is also `/assets/{asset_id}`, whose PATCH answers 422 there)."""
    return {
        method.upper()
        for path, item in document["paths"].items()
        if re.fullmatch(re.sub(r"\{[^}]+\}", "[^/]+", path), url)
        for method in item
        if method in METHODS
    }


async def test_405_allow_names_every_method_of_the_path(
    client: httpx.AsyncClient, acme: Tenant, document: Document
) -> None:
    wrong = []
    for path in document["paths"]:
        url = re.sub(r"\{[^}]+\}", ANY_ID, path)
        expected = _served(document, url)
        method = next(m for m in ("PUT", "PATCH", "DELETE", "POST", "GET") if m not in expected)
        response = await client.request(method, url, headers=acme.headers("admin"))
        assert response.status_code == 405, (method, path, response.text)
        assert response.headers["content-type"] == PROBLEM_JSON
        allow = {m.strip() for m in response.headers["allow"].split(",")}
        if allow != expected:
            wrong.append((path, sorted(allow), sorted(expected)))
    assert wrong == []
