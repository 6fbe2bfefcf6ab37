"""Outbound requests that cannot be turned inward: only public addresses, checked twice.

A webhook URL is chosen by a user, but the request leaves from our server, inside the
network it runs in. Unchecked, "http://169.254.169.254/" reads the cloud's metadata and
"http://127.1:6379/" talks to the local Redis (server-side request forgery). So a URL is
checked when it is stored (:func:`check_url`: a refusal the person can act on) and again
each time it is used (:func:`resolve_checked`), since what a name resolves to can change.

The check works on addresses, never on spellings. A host is either

- an IP literal, read the way browsers and libc read it (:func:`ip_literal`): ``127.1``,
  ``0x7f000001``, ``2130706433``, ``0177.0.0.1`` and ``127.000.000.001`` are all
  127.0.0.1, and ``[::ffff:127.0.0.1]`` is too; or
- a name, resolved once with :func:`socket.getaddrinfo`, every answer checked.

The sender then connects to one of exactly those addresses (with the name as ``Host`` and
TLS SNI), never resolving again: a DNS answer that changes between the check and the
connection (DNS rebinding) cannot turn the request inward.

An address is public (:func:`is_public`) when :attr:`ipaddress.IPv4Address.is_global`
says so and it is none of loopback, private, link-local, multicast, unspecified,
reserved, shared (100.64/10), benchmarking, documentation, unique-local, site-local; an
IPv6 address that carries an IPv4 one (mapped ``::ffff:a.b.c.d``, compatible, NAT64,
6to4, Teredo) must carry a public one. Python 3.11's ``is_global`` misses several of
these, hence the explicit list.

Intranet deployments name the private hosts webhooks may reach in
``ASSISTANT_OUTBOUND_ALLOW_HOSTS`` (:class:`OutboundPolicy`): a name lets that name's
addresses through, a CIDR lets addresses inside it through; nothing else changes.

>>> str(ip_literal("0x7f.1")), str(ip_literal("[::ffff:7f00:1]")), ip_literal("hooks.example")
('127.0.0.1', '::ffff:7f00:1', None)
>>> [is_public(ip_address(a)) for a in ("93.184.215.14", "10.0.0.1", "::ffff:127.0.0.1")]
[True, False, False]
"""

from __future__ import annotations

import re
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from ipaddress import (
    IPv4Address,
    IPv4Network,
    IPv6Address,
    IPv6Network,
    ip_address,
    ip_network,
)
from urllib.parse import urlsplit

from assistant.errors import InvalidInput

__all__ = [
    "IPAddress",
    "OutboundPolicy",
    "Target",
    "check_url",
    "ip_literal",
    "is_public",
    "refusal",
    "resolve_checked",
]

IPAddress = IPv4Address | IPv6Address
# Not global, though Python 3.11's is_global says they are (3.13 knows better): IETF
# protocol assignments, IPv6 documentation (RFC 9637), SRv6 segment ids.
_NOT_GLOBAL = tuple(ip_network(n) for n in ("192.0.0.0/24", "3fff::/20", "5f00::/16"))
_NAT64 = ip_network("64:ff9b::/96")
_V4_COMPATIBLE = ip_network("::/96")
# Letters, digits, "-", "_" and dots: what a DNS name (or its IDNA form) is made of. Any
# other ASCII ("%2e", "\\", "@") is refused, not handed to a resolver to guess at.
_NAME = re.compile(r"^[a-z0-9_-]+(?:\.[a-z0-9_-]+)*$")
_HEX = re.compile(r"^[0-9a-f]*$")
_OCT = re.compile(r"^[0-7]*$")


@dataclass(frozen=True)
class OutboundPolicy:
    """Which private hosts outbound requests may reach anyway (default: none)."""

    names: frozenset[str] = frozenset()
    networks: tuple[IPv4Network | IPv6Network, ...] = ()

    @classmethod
    def from_entries(cls, entries: Iterable[str]) -> OutboundPolicy:
        """From ``ASSISTANT_OUTBOUND_ALLOW_HOSTS``'s entries: CIDRs and IPs, else names.

        >>> policy = OutboundPolicy.from_entries(["Hooks.Intranet.", "10.20.0.0/16", "::1"])
        >>> sorted(policy.names), [str(network) for network in policy.networks]
        (['hooks.intranet'], ['10.20.0.0/16', '::1/128'])
        """
        names: set[str] = set()
        networks: list[IPv4Network | IPv6Network] = []
        for entry in entries:
            entry = entry.strip().lower().rstrip(".")
            try:
                networks.append(ip_network(entry.strip("[]"), strict=False))
            except ValueError:
                if entry:
                    names.add(entry)
        return cls(frozenset(names), tuple(networks))

    def allows(self, host: str, address: IPAddress) -> bool:
        """Whether ``address`` (of ``host``) may be reached although it is not public."""
        if address.is_unspecified or address.is_multicast:
            return False  # never a webhook receiver, whatever is allowed
        return host in self.names or any(address in network for network in self.networks)


@dataclass(frozen=True)
class Target:
    """An outbound URL's parts: ``host`` as written (lowercased), the port it means."""

    scheme: str
    host: str
    port: int
    addresses: tuple[IPAddress, ...] = ()


def is_public(address: IPAddress) -> bool:
    """Whether ``address`` is reachable on the public internet (see the module docstring).

    >>> [is_public(ip_address(a)) for a in ("100.64.0.1", "fec0::1", "2002:7f00:1::")]
    [False, False, False]
    """
    if isinstance(address, IPv6Address) and (
        address.is_site_local or not all(is_public(v4) for v4 in _carried(address))
    ):
        return False
    return address.is_global and not (
        any(address in network for network in _NOT_GLOBAL)
        or address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_unspecified
        or address.is_reserved
    )


def _carried(address: IPv6Address) -> list[IPv4Address]:
    """The IPv4 addresses an IPv6 one carries (mapped, compatible, NAT64, 6to4, Teredo)."""
    carried = []
    if address.ipv4_mapped is not None:
        carried.append(address.ipv4_mapped)
    if address in _V4_COMPATIBLE or address in _NAT64:
        carried.append(IPv4Address(int(address) & 0xFFFFFFFF))
    if address.sixtofour is not None:
        carried.append(address.sixtofour)
    if address.teredo is not None:
        carried.extend(address.teredo)
    return carried


def ip_literal(host: str) -> IPAddress | None:
    """The address ``host`` spells, read as browsers (WHATWG) and libc read it; None for a
    name. Raises :class:`InvalidInput` for a numeric host that is no address (``1.2.3.4.5``).

    >>> [str(ip_literal(h)) for h in ("127.1", "2130706433", "0177.0.0.1", "127.000.000.001")]
    ['127.0.0.1', '127.0.0.1', '127.0.0.1', '127.0.0.1']
    """
    host = host.lower()
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if ":" in host:
        try:
            return ip_address(host.replace("%25", "%", 1))
        except ValueError:
            raise _invalid(host) from None
    parts = host.split(".")
    if len(parts) > 1 and parts[-1] == "":
        parts.pop()  # "127.0.0.1." is 127.0.0.1
    if not parts[-1] or (not parts[-1].isdigit() and _number(parts[-1]) is None):
        return None  # the last label is not a number: a name
    numbers = [_number(part) for part in parts]
    if len(parts) > 4 or any(n is None or n > 255 for n in numbers[:-1]):
        raise _invalid(host)
    last = numbers[-1]
    if last is None or last >= 256 ** (5 - len(parts)):
        raise _invalid(host)
    value = last
    for index, number in enumerate(numbers[:-1]):
        value += (number or 0) << (8 * (3 - index))
    return IPv4Address(value)


def _number(part: str) -> int | None:
    """One label as WHATWG reads it: ``0x`` hex, a leading ``0`` octal, else decimal."""
    if not part or not part.isascii():
        return None
    base, digits = 10, part
    if part[:2] == "0x":
        base, digits = 16, part[2:]
    elif len(part) > 1 and part.startswith("0"):
        base, digits = 8, part[1:]
    valid = {16: _HEX, 8: _OCT}.get(base)
    if not (valid.match(digits) if valid else digits.isdigit()):
        return None
    return int(digits, base) if digits else 0


def check_url(url: str, policy: OutboundPolicy, *, what: str = "Webhooks") -> Target:
    """Refuse, when it is stored, a URL that leads to a private address.

    A literal address is judged as it is; a name is resolved now, and refused if any
    answer is private. A name that does not resolve now is let through: it is checked
    again at each send, and sending to it fails then. Raises :class:`InvalidInput`.
    """
    target = _split(url, what)
    literal = ip_literal(target.host)
    if literal is not None:
        _judge(target.host, (literal,), policy, what)
        return Target(target.scheme, target.host, target.port, (literal,))
    if _local_name(target.host) and target.host not in policy.names:
        raise refusal(target.host, what)
    try:
        addresses = _resolve(target.host, target.port)
    except OSError:
        return target
    _judge(target.host, addresses, policy, what)
    return Target(target.scheme, target.host, target.port, addresses)


def resolve_checked(url: str, policy: OutboundPolicy, *, what: str = "Webhooks") -> Target:
    """Resolve ``url``'s host once and check every address, to connect to one of them.

    Raises :class:`InvalidInput` when one is not public (or the URL is bad), and
    :class:`OSError` (``socket.gaierror``) when the name does not resolve.
    """
    target = _split(url, what)
    literal = ip_literal(target.host)
    if literal is not None:
        addresses: tuple[IPAddress, ...] = (literal,)
    elif _local_name(target.host) and target.host not in policy.names:
        raise refusal(target.host, what)
    else:
        addresses = _resolve(target.host, target.port)
    _judge(target.host, addresses, policy, what)
    return Target(target.scheme, target.host, target.port, addresses)


def refusal(host: str, what: str = "Webhooks") -> InvalidInput:
    """The refusal of a private host, in the words every face shows."""
    shown = host if len(host) <= 100 else host[:99] + "…"
    return InvalidInput(f"{what} may only go to public addresses; {shown} is a private address.")


def _judge(host: str, addresses: tuple[IPAddress, ...], policy: OutboundPolicy, what: str) -> None:
    # Every answer, not just the first: the connection may use any of them.
    for address in addresses:
        if not is_public(address) and not policy.allows(host, address):
            raise refusal(host, what)


def _split(url: str, what: str) -> Target:
    """Scheme, host and port of an http(s) URL, or :class:`InvalidInput`."""
    refused = InvalidInput(f"{what} need an http:// or https:// URL with a host.")
    try:
        parts = urlsplit(url)
        port = parts.port
    except (TypeError, ValueError):
        raise refused from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise refused
    scheme, host = parts.scheme.lower(), parts.hostname.lower()
    if host.endswith(".") and ":" not in host:
        host = host[:-1]
    if not host or (host.isascii() and ":" not in host and not _NAME.match(host)):
        raise _invalid(host)
    return Target(scheme, host, port or (443 if scheme == "https" else 80))


def _local_name(host: str) -> bool:
    """``localhost`` and its subdomains: loopback by definition (RFC 6761)."""
    return host == "localhost" or host.endswith(".localhost")


def _resolve(host: str, port: int) -> tuple[IPAddress, ...]:
    """Every address ``host`` resolves to, in the resolver's order, each once."""
    found: list[IPAddress] = []
    try:
        answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except UnicodeError as exc:  # a name IDNA cannot encode: no such name
        raise socket.gaierror(socket.EAI_NONAME, f"{host!r} is not a valid name") from exc
    for *_, sockaddr in answers:
        address = ip_address(str(sockaddr[0]).split("%", 1)[0])
        if address not in found:
            found.append(address)
    if not found:
        raise socket.gaierror(socket.EAI_NONAME, f"{host} has no address")
    return tuple(found)


def _invalid(host: str) -> InvalidInput:
    shown = host if len(host) <= 100 else host[:99] + "…"
    return InvalidInput(f"{shown} is not a valid host name or address.")
