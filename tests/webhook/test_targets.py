"""Where webhooks may not go: link-local and metadata addresses never, private and loopback
ones only when allowed, checked on save (422 naming the URL) and again at delivery on what the
name resolves to then; and the backoff between attempts."""

from __future__ import annotations

import ipaddress
from uuid import UUID

import httpx
import pytest

from maintainpro.config import Settings
from maintainpro.core.db import Database
from maintainpro.webhook import delivery, targets
from tests.factories.identity import Tenant

HOOKS = "/api/v1/webhooks"


@pytest.mark.parametrize(
    ("address", "allowed", "code"),
    [
        ("169.254.169.254", True, "forbidden_target"),
        ("fd00:ec2::254", True, "forbidden_target"),
        ("100.100.100.200", True, "forbidden_target"),
        ("fe80::1", True, "forbidden_target"),
        ("0.0.0.0", True, "forbidden_target"),
        ("224.0.0.1", True, "forbidden_target"),
        ("127.0.0.1", False, "private_target"),
        ("10.1.2.3", False, "private_target"),
        ("100.64.0.1", False, "private_target"),
        ("::ffff:192.168.0.1", False, "private_target"),
        ("::1", False, "private_target"),
    ],
)
def test_refused_addresses(address: str, allowed: bool, code: str) -> None:
    with pytest.raises(targets.TargetRefused) as refused:
        targets.check_address(ipaddress.ip_address(address), allowed)
    assert refused.value.code == code


@pytest.mark.parametrize("address", ["8.8.8.8", "2606:4700:4700::1111", "127.0.0.1", "10.0.0.1"])
def test_accepted_addresses(address: str) -> None:
    ip = ipaddress.ip_address(address)
    targets.check_address(ip, allow_private=not ip.is_global)  # public ones whatever the setting


@pytest.mark.parametrize(
    "url", ["ftp://example.com/x", "http://user:pw@example.com/", "https:///nohost", "http://h:x/"]
)
def test_malformed_urls(url: str) -> None:
    with pytest.raises(targets.TargetRefused) as refused:
        targets.parse(url)
    assert refused.value.code == "invalid_url"


async def test_a_saved_url_is_checked_and_named(client: httpx.AsyncClient, acme: Tenant) -> None:
    for url, code in (
        ("http://127.0.0.1:9/hook", "private_target"),
        ("http://169.254.169.254/latest/meta-data", "forbidden_target"),
        ("http://no-such-host.invalid/hook", "unresolvable"),
        ("gopher://example.com/", "invalid_url"),
    ):
        response = await client.post(
            HOOKS, headers=acme.headers("admin"), json={"url": url, "events": ["part.low_stock"]}
        )
        assert response.status_code == 422, url
        assert response.json()["errors"][0]["field"] == "url"
        assert response.json()["errors"][0]["code"] == code
    unknown = await client.post(
        HOOKS,
        headers=acme.headers("admin"),
        json={"url": "https://example.com/hook", "events": ["gossip.heard"]},
    )
    assert (unknown.status_code, unknown.json()["errors"][0]["field"]) == (422, "events.0")


async def test_delivery_checks_the_address_again(
    local: httpx.AsyncClient, acme: Tenant, test_database: Database, settings: Settings
) -> None:
    """A URL accepted on save whose name now resolves inward (here: an installation that no
    longer allows private targets) is refused at delivery, and nothing is sent."""
    made = await local.post(
        HOOKS,
        headers=acme.headers("admin"),
        json={"url": "http://127.0.0.1:9/hook", "events": ["part.low_stock"]},
    )
    assert made.status_code == 201, made.text
    sent = await local.post(f"{HOOKS}/{made.json()['id']}/test", headers=acme.headers("admin"))
    delivery_id = UUID(sent.json()["id"])
    assert (
        await delivery.attempt(test_database, settings, acme.organization_id, delivery_id) is False
    )
    log = await local.get(f"{HOOKS}/{made.json()['id']}/deliveries", headers=acme.headers("admin"))
    [entry] = log.json()["items"]
    assert entry["attemptLog"][0]["statusCode"] is None
    assert entry["attemptLog"][0]["error"].startswith("refused: 127.0.0.1 is a private")


def test_backoff_grows_with_jitter_and_stops() -> None:
    for attempt in range(1, 8):
        ceiling = min(10 * 2 ** (attempt - 1), 6 * 3600)
        waits = {delivery.wait_before(attempt) for _ in range(20)}
        assert all(ceiling / 2 <= wait <= ceiling for wait in waits)
        assert len(waits) > 1
    assert delivery.wait_before(30) <= 6 * 3600


@pytest.mark.parametrize(
    "address", ["2002:a9fe:a9fe::1", "2001:0:4136:e378:8000:63bf:5601:5601", "64:ff9b::a9fe:a9fe"]
)
def test_an_inner_address_cannot_pass_in_an_ipv6_envelope(address: str) -> None:
    """6to4, Teredo and NAT64 carrying 169.254.169.254 as their inner address."""
    with pytest.raises(targets.TargetRefused):
        targets.check_address(ipaddress.ip_address(address), allow_private=True)
