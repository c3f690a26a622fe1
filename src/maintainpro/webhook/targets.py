"""Where a webhook may go: checked when saved and again at every delivery on the addresses the
name resolves to then, and the request is sent to the checked address itself (the name only in
the Host header and TLS server name), so a DNS answer that changes in between cannot turn a
webhook towards an internal service. Link-local and cloud metadata addresses never; private,
loopback and shared ranges only when `webhooks.allow_private_targets` is set (development)."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

IP = ipaddress.IPv4Address | ipaddress.IPv6Address
# Metadata services outside the link-local range (Alibaba, Oracle; AWS's IPv6 endpoint).
METADATA = frozenset(
    ipaddress.ip_address(a) for a in ("100.100.100.200", "192.0.0.192", "fd00:ec2::254")
)
SHARED = ipaddress.ip_network("100.64.0.0/10")


class TargetRefused(ValueError):
    """A URL no webhook may call; `code` names why."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True, slots=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str  # path and query, as sent
    address: IP  # the checked address the request goes to


def _never(address: IP) -> bool:
    return (
        address in METADATA
        or address.is_link_local
        or address.is_multicast
        or address.is_unspecified
        or (address.is_reserved and not address.is_loopback)  # ::1 sits in reserved ::/8
    )


def _internal(address: IP) -> bool:
    return address.is_private or address.is_loopback or address in SHARED


NAT64 = ipaddress.ip_network("64:ff9b::/96")


def _carried(address: IP) -> list[IP]:
    """The address and any IPv4 address it carries (mapped, 6to4, Teredo, NAT64): each is
    judged, so an inner address cannot pass in an IPv6 envelope."""
    if isinstance(address, ipaddress.IPv4Address):
        return [address]
    # A mapped or NAT64 address is its IPv4 address (both envelopes sit in reserved ::/8).
    if address.ipv4_mapped is not None:
        return [address.ipv4_mapped]
    if address in NAT64:
        return [ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)]
    inner: list[IP] = [address]
    if address.sixtofour is not None:
        inner.append(address.sixtofour)
    if address.teredo is not None:
        inner.extend(address.teredo)
    return inner


def check_address(address: IP, allow_private: bool) -> None:
    for judged in _carried(address):
        if _never(judged):
            message = f"{address} is a link-local or metadata address."
            raise TargetRefused(message, "forbidden_target")
        if _internal(judged) and not allow_private:
            raise TargetRefused(f"{address} is a private or loopback address.", "private_target")


def parse(url: str) -> tuple[str, str, int, str]:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise TargetRefused("Expected an http or https URL with a host.", "invalid_url")
    if parts.username or parts.password:
        raise TargetRefused("Credentials do not belong in the URL.", "invalid_url")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise TargetRefused("The port is not a number.", "invalid_url") from exc
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return parts.scheme, parts.hostname, port, path


async def resolve(url: str, allow_private: bool) -> Target:
    """The URL's first acceptable address; every address it resolves to must be acceptable."""
    scheme, host, port, path = parse(url)
    try:
        literal: IP | None = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        addresses = [literal]
    else:
        try:
            found = await asyncio.get_running_loop().getaddrinfo(
                host, port, type=socket.SOCK_STREAM
            )
        except socket.gaierror as exc:
            raise TargetRefused(f"{host} does not resolve.", "unresolvable") from exc
        # A scoped IPv6 answer (fe80::1%eth0) is link-local: its scope is no part of the check.
        addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in found]
    for address in addresses:
        check_address(address, allow_private)
    return Target(scheme, host, port, path, addresses[0])
