"""The outbound address check on its own: spellings, ranges, names, the allowance.

No network: names resolve through a stub of :func:`socket.getaddrinfo` (``resolver``),
and literal addresses are never resolved at all. What a send does with these verdicts
(and that nothing connects) is ``test_webhook_outbound.py``'s subject.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from ipaddress import ip_address
from typing import Any

import pytest

from assistant.delivery import OutboundPolicy, check_outbound_url
from assistant.delivery.outbound import ip_literal, is_public, resolve_checked
from assistant.errors import InvalidInput
from assistant.settings import Settings

#: Every way the red-team pass spelled the loopback address, and a few more.
LOOPBACK_SPELLINGS = [
    "127.0.0.1", "127.1", "0x7f000001", "2130706433", "0177.0.0.1", "127.000.000.001",
    "0x7f.0.0.1", "0x7F.1", "017700000001", "127.0.0.1.", "127.255.255.254",
    "[::1]", "[0:0:0:0:0:0:0:1]", "[::ffff:127.0.0.1]", "[::ffff:7f00:1]", "[::127.0.0.1]",
    "localhost", "LOCALHOST", "localhost.", "api.localhost",
]  # fmt: skip
#: One address of every range that is not the public internet's.
PRIVATE_RANGES = [
    "10.0.0.1", "172.16.0.1", "172.31.255.254", "192.168.1.1",  # private
    "169.254.169.254", "[fe80::1]", "[fe80::1%25eth0]",  # link-local (cloud metadata)
    "0.0.0.0", "0", "[::]",  # unspecified
    "224.0.0.1", "239.255.255.250", "[ff02::1]", "[ff0e::1]",  # multicast
    "240.0.0.1", "255.255.255.255",  # reserved, broadcast
    "100.64.0.1", "100.127.255.254",  # shared (carrier-grade NAT)
    "198.18.0.1", "198.19.255.254",  # benchmarking
    "192.0.2.1", "198.51.100.7", "203.0.113.9", "[2001:db8::1]",  # documentation
    "192.0.0.8", "[3fff::1]", "[5f00::1]",  # not global, though Python 3.11 says so
    "[fd00::1]", "[fc00::1]", "[fec0::1]",  # unique-local, site-local
    "[::ffff:10.0.0.1]", "[::ffff:169.254.169.254]", "[::ffff:0:a00:1]",  # IPv4-mapped
    "[::10.0.0.1]",  # IPv4-compatible
    "[2002:a00:1::]", "[2002:7f00:1::1]", "[2002:a9fe:a9fe::]",  # 6to4 of private v4
    "[2001:0:4136:e378:8000:63bf:3fff:fdd2]",  # Teredo
    "[64:ff9b::a00:1]", "[64:ff9b::7f00:1]",  # NAT64 of private v4
]  # fmt: skip
PUBLIC = ["93.184.215.14", "8.8.8.8", "[2606:4700:4700::1111]", "[2002:5db8:d70e::1]"]
REFUSED = "Webhooks may only go to public addresses; {} is a private address."


def answers(*addresses: str) -> list[tuple[Any, ...]]:
    """What getaddrinfo gives for ``addresses``."""
    out: list[tuple[Any, ...]] = []
    for text in addresses:
        family = socket.AF_INET6 if ":" in text else socket.AF_INET
        sockaddr = (text, 443, 0, 0) if family == socket.AF_INET6 else (text, 443)
        out.append((family, socket.SOCK_STREAM, 6, "", sockaddr))
    return out


Resolver = Callable[[dict[str, list[list[str]]]], list[str]]


@pytest.fixture
def resolver(monkeypatch: pytest.MonkeyPatch) -> Resolver:
    """``resolver({name: [answers, ...]})``: each lookup of a name takes the next list of
    answers (the last repeats); other names do not resolve. Returns the names looked up."""

    def install(scripted: dict[str, list[list[str]]]) -> list[str]:
        asked: list[str] = []

        def getaddrinfo(host: str, port: int, *args: Any, **kwargs: Any) -> list[Any]:
            asked.append(host)
            if host not in scripted:
                raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
            script = scripted[host]
            return answers(*(script.pop(0) if len(script) > 1 else script[0]))

        monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
        return asked

    return install


def shown(spelling: str) -> str:
    """The host as a refusal names it: lowercased, without brackets or a final dot."""
    return spelling.lower().strip("[]").removesuffix(".")


@pytest.mark.parametrize("host", LOOPBACK_SPELLINGS + PRIVATE_RANGES)
def test_every_private_spelling_is_refused_when_stored_and_when_sent(
    host: str, resolver: Resolver
) -> None:
    asked = resolver({})  # no name resolves: a literal must be judged without DNS
    url = f"http://{host}:8080/hook?token=abc"
    for check in (check_outbound_url, resolve_checked):
        with pytest.raises(InvalidInput) as refused:
            check(url, OutboundPolicy())
        assert refused.value.message == REFUSED.format(shown(host))
    assert asked == []  # "localhost" is loopback by definition, not by what DNS says


@pytest.mark.parametrize("host", PUBLIC)
def test_public_addresses_pass(host: str) -> None:
    target = resolve_checked(f"https://{host}/hook", OutboundPolicy())
    assert [str(a) for a in target.addresses] == [host.strip("[]")]
    assert target.port == 443


@pytest.mark.parametrize(
    "spelling",
    ["127.1", "0x7f000001", "2130706433", "0177.0.0.1", "127.000.000.001", "0x7f.0.0.1"],
)
def test_numeric_spellings_are_read_as_libc_reads_them(spelling: str) -> None:
    # What socket.inet_aton (and so getaddrinfo) makes of them is what we judge.
    expected = ip_address(socket.inet_ntoa(socket.inet_aton(spelling)))
    assert ip_literal(spelling) == expected == ip_address("127.0.0.1")


@pytest.mark.parametrize("host", ["1.2.3.4.5", "256.0.0.1", "09.1", "foo.123", "a%2eb", "a b"])
def test_a_host_that_is_neither_name_nor_address_is_refused(host: str) -> None:
    with pytest.raises(InvalidInput, match="not a valid host name or address"):
        check_outbound_url(f"http://{host}/", OutboundPolicy())


@pytest.mark.parametrize("url", ["ftp://hooks.example/", "file:///etc/passwd", "gopher://x/", ""])
def test_only_http_and_https(url: str) -> None:
    with pytest.raises(InvalidInput, match=r"http:// or https://"):
        check_outbound_url(url, OutboundPolicy())


def test_a_public_name_that_resolves_to_a_private_address_is_refused(
    resolver: Resolver,
) -> None:
    resolver({"hooks.example": [["127.0.0.1"]], "mixed.example": [["93.184.215.14", "10.0.0.1"]]})
    for name in ("hooks.example", "mixed.example"):
        for check in (check_outbound_url, resolve_checked):
            with pytest.raises(InvalidInput) as refused:
                check(f"https://{name}/hook", OutboundPolicy())
            assert refused.value.message == REFUSED.format(name)


def test_a_name_that_does_not_resolve_yet_is_stored_but_not_sent(
    resolver: Resolver,
) -> None:
    resolver({})
    assert check_outbound_url("https://later.example/hook", OutboundPolicy()).addresses == ()
    with pytest.raises(socket.gaierror):
        resolve_checked("https://later.example/hook", OutboundPolicy())


def test_the_allowance_lets_exactly_the_named_hosts_through(
    resolver: Resolver,
) -> None:
    resolver({"hooks.intranet": [["10.1.2.3"]], "other.intranet": [["10.1.2.3"]]})
    settings = Settings(outbound_allow_hosts="Hooks.Intranet., 192.168.7.0/24, 127.0.0.1")
    policy = OutboundPolicy.from_entries(settings.outbound_allow_hosts)
    for url in (
        "http://hooks.intranet/x",  # the name: its addresses, whatever they are
        "http://192.168.7.20:9000/x",  # inside the CIDR
        "http://127.0.0.1:8080/x",  # the address
        "http://127.1:8080/x",  # the address, otherwise spelled
    ):
        assert resolve_checked(url, policy).addresses
    for url in (
        "http://other.intranet/x",  # another name for the same address: not named
        "http://192.168.8.1/x",
        "http://127.0.0.2/x",
        "http://localhost/x",  # loopback, but only the address 127.0.0.1 was named
        "http://10.1.2.3/x",  # the named host's address, but not named itself
        "http://0.0.0.0/x",  # never, whatever is allowed
        "http://169.254.169.254/x",
    ):
        with pytest.raises(InvalidInput, match="may only go to public addresses"):
            resolve_checked(url, policy)


def test_a_bad_cidr_in_the_setting_fails_at_start() -> None:
    with pytest.raises(ValueError, match="is not a CIDR"):
        Settings(outbound_allow_hosts="10.0.0.0/33")
    assert Settings().outbound_allow_hosts == ()


def test_is_public_checks_the_ipv4_an_ipv6_address_carries() -> None:
    assert is_public(ip_address("2002:5db8:d70e::1"))  # 6to4 of a public address
    assert not is_public(ip_address("2002:c0a8:101::1"))  # 6to4 of 192.168.1.1
