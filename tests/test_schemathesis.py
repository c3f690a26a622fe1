"""Property-based contract run: schemathesis generates valid and invalid requests for every
operation of the served document; each is sent through the app on the test database as an admin
of a test tenant, and every response must be documented (status, media type, headers) and match
its schema, with no server error.

Bounded: a few examples per operation and mode (about 60 s on two cores). Generation is
synchronous (hypothesis), sending is on the test's event loop, so the real database fixtures and
their rollback apply."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterator

import httpx
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.generation.case import Case
from schemathesis.schemas import APIOperation
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.factories.identity import Tenant

EXAMPLES = {GenerationMode.POSITIVE: 4, GenerationMode.NEGATIVE: 3}
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
# Account self-service ends or changes the caller's own session: another user runs it, so the
# admin's token stays valid for everything else.
SELF_SERVICE = re.compile(r"^/api/v1/auth/")
# An endless answer (Server-Sent Events) never completes in-process: tested over a real server
# in tests/notification/test_stream.py.
STREAMS = {"/api/v1/notifications/stream"}


def _draw(operation: APIOperation, mode: GenerationMode, count: int) -> list[Case]:
    cases: list[Case] = []

    @given(st.data())
    @settings(
        max_examples=count,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def collect(data: st.DataObject) -> None:
        cases.append(data.draw(operation.as_strategy(generation_mode=mode)))

    with contextlib.suppress(Unsatisfiable):  # nothing to negate: the operation takes no input
        collect()
    return cases


def _cases(schema: schemathesis.BaseSchema) -> Iterator[Case]:
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.path in STREAMS:
            continue
        for mode, count in EXAMPLES.items():
            yield from _draw(operation, mode, count)


def _known_ids(case: Case, ids: dict[str, str], pick: Callable[[], bool]) -> None:
    """Half the time a path id is one that exists, so the 2xx paths are exercised too."""
    for name in case.path_parameters or {}:
        if name in ids and pick():
            case.path_parameters[name] = ids[name]


async def _send(client: httpx.AsyncClient, case: Case, token: dict[str, str]) -> httpx.Response:
    kwargs = case.as_transport_kwargs(base_url="http://testserver", headers=token)
    body = kwargs.pop("json", None)
    data = kwargs.pop("data", None)
    return await client.request(
        kwargs["method"],
        kwargs["url"],
        params=kwargs.get("params"),
        headers=kwargs.get("headers"),
        json=body,
        content=data if isinstance(data, bytes | str) else None,
    )


async def _existing(client: httpx.AsyncClient, acme: Tenant) -> dict[str, str]:
    """Path ids of rows that exist, one per kind the run reaches most."""
    headers = acme.headers("admin")
    ids = {"location_id": str(acme.north.id), "user_id": str(acme.users["technician"].id)}
    for name, path, body in (
        (
            "asset_id",
            "/api/v1/assets",
            {"code": "ST-1", "name": "Pump", "locationId": ids["location_id"]},
        ),
        ("vendor_id", "/api/v1/vendors", {"name": "Supply Co"}),
        ("contractor_id", "/api/v1/contractors", {"name": "Fix Co"}),
    ):
        response = await client.post(path, json=body, headers=headers)
        assert response.status_code == 201, response.text
        ids[name] = response.json()["id"]
    return ids


async def test_every_operation_keeps_its_documented_contract(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    document = (await client.get("/api/v1/openapi.json")).json()
    schema = schemathesis.openapi.from_dict(document)
    ids = await _existing(client, acme)
    toggle = iter(range(1_000_000))
    failures: dict[tuple[str, str], str] = {}
    sent = 0
    for case in _cases(schema):
        _known_ids(case, ids, lambda: next(toggle) % 2 == 0)
        role = "manager" if SELF_SERVICE.match(case.operation.path) else "admin"
        try:
            response = await _send(client, case, acme.headers(role))
        except (httpx.HTTPError, UnicodeError, ValueError, TypeError):
            continue  # a negative case httpx itself cannot put on the wire
        sent += 1
        try:
            case.validate_response(response, checks=CHECKS)
        except FailureGroup as group:
            for failure in group.exceptions:
                key = (case.operation.label, failure.title)
                failures.setdefault(key, f"{response.status_code} {response.text[:300]}")
    assert sent > 300
    assert failures == {}, "\n".join(f"{k}: {v}" for k, v in sorted(failures.items()))
