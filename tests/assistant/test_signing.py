"""Signed download links: round trip, tampering, expiry, the bound SHA-256, other secrets."""

from __future__ import annotations

import re

import pytest
from itsdangerous import URLSafeTimedSerializer

from assistant.errors import LinkExpired, LinkInvalid, LinkStale
from assistant.files.signing import DEFAULT_MAX_AGE_SECONDS, LinkSigner

SHA = "0f" * 32
OTHER_SHA = "e3" * 32


class Clock:
    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def signer(clock: Clock) -> LinkSigner:
    return LinkSigner("test-secret", DEFAULT_MAX_AGE_SECONDS, clock=clock)


def test_round_trip(signer: LinkSigner) -> None:
    token = signer.sign("exp_123", SHA)
    assert re.fullmatch(r"[A-Za-z0-9_.\-]+", token), "token must be URL-safe"
    assert signer.verify(token) == ("exp_123", SHA)
    assert signer.verify(token, sha256=SHA) == ("exp_123", SHA)


def test_a_token_made_again_within_its_second_is_the_same(signer: LinkSigner, clock: Clock) -> None:
    """Tokens are reused within a second: only where a fresh one would be the same bytes."""
    token = signer.sign("exp_1", SHA)
    fresh = LinkSigner("test-secret", DEFAULT_MAX_AGE_SECONDS, clock=clock)
    clock.now += 0.9
    assert signer.sign("exp_1", SHA) == token == fresh.sign("exp_1", SHA)
    assert signer.sign("exp_1", OTHER_SHA) != token  # another file, another token
    clock.now += 0.1  # the next second
    again = signer.sign("exp_1", SHA)
    assert again != token and again == fresh.sign("exp_1", SHA)
    assert signer.verify(again) == ("exp_1", SHA)
    clock.now += DEFAULT_MAX_AGE_SECONDS  # each expires after its own time
    assert signer.verify(again) == ("exp_1", SHA)
    with pytest.raises(LinkExpired):
        signer.verify(token)


def test_default_clock_is_real_time() -> None:
    signer = LinkSigner("test-secret", 60)
    assert signer.verify(signer.sign("exp_1", SHA)) == ("exp_1", SHA)


def test_default_max_age_is_a_day() -> None:
    assert DEFAULT_MAX_AGE_SECONDS == 24 * 60 * 60


def _flip(token: str, index: int) -> str:
    replacement = "A" if token[index] != "A" else "B"
    return token[:index] + replacement + token[index + 1 :]


def test_tampered_token_is_invalid(signer: LinkSigner) -> None:
    token = signer.sign("exp_123", SHA)
    payload, _timestamp, signature = token.rsplit(".", 2)  # payload may start with "."
    # One position inside each part (not a last base64 character, whose low bits may be
    # padding and so not change the decoded bytes).
    positions = [1, len(payload) // 2, len(payload) + 2, len(token) - len(signature) // 2]
    for index in positions:
        tampered = _flip(token, index)
        assert tampered != token
        with pytest.raises(LinkInvalid) as caught:
            signer.verify(tampered)
        assert not isinstance(caught.value, LinkExpired)
    for broken in ("", "garbage", token[:-5], token + "x", token.replace(".", "", 1)):
        with pytest.raises(LinkInvalid):
            signer.verify(broken)


def test_expired_token(signer: LinkSigner, clock: Clock) -> None:
    token = signer.sign("exp_123", SHA)
    clock.now += DEFAULT_MAX_AGE_SECONDS
    assert signer.verify(token) == ("exp_123", SHA)  # exactly at the maximum age: still fine
    clock.now += 1
    with pytest.raises(LinkExpired) as caught:
        signer.verify(token)
    message = str(caught.value)
    assert "expired" in message and "new link" in message and "24 hours" in message
    assert isinstance(caught.value, LinkInvalid)  # one except clause catches both


def test_token_from_the_future_is_invalid_not_expired(signer: LinkSigner, clock: Clock) -> None:
    clock.now += 3600
    token = signer.sign("exp_123", SHA)
    clock.now -= 3600
    with pytest.raises(LinkInvalid) as caught:
        signer.verify(token)
    assert not isinstance(caught.value, LinkExpired)


def test_wrong_sha_is_invalid(signer: LinkSigner) -> None:
    token = signer.sign("exp_123", SHA)
    with pytest.raises(LinkInvalid) as caught:
        signer.verify(token, sha256=OTHER_SHA)
    assert isinstance(caught.value, LinkStale)
    assert "new link" in str(caught.value)


def test_token_from_another_secret_is_invalid(clock: Clock) -> None:
    ours = LinkSigner("test-secret", 60, clock=clock)
    theirs = LinkSigner("another-secret", 60, clock=clock)
    with pytest.raises(LinkInvalid) as caught:
        ours.verify(theirs.sign("exp_123", SHA))
    assert "not valid" in str(caught.value)


def test_token_with_another_salt_is_invalid(signer: LinkSigner) -> None:
    # Same secret, different purpose (e.g. a session cookie): never a download link.
    token = URLSafeTimedSerializer("test-secret", salt="session").dumps(["exp_123", SHA])
    with pytest.raises(LinkInvalid):
        signer.verify(token)


@pytest.mark.parametrize("payload", ["exp_123", ["exp_123"], ["exp_123", 5], ["", SHA], {}])
def test_genuine_token_with_wrong_shape_is_invalid(signer: LinkSigner, payload: object) -> None:
    token = signer._serializer.dumps(payload)
    with pytest.raises(LinkInvalid):
        signer.verify(token)


def test_short_max_age_in_message(clock: Clock) -> None:
    signer = LinkSigner("test-secret", 90, clock=clock)
    token = signer.sign("exp_1", SHA)
    clock.now += 91
    with pytest.raises(LinkExpired, match="90 seconds"):
        signer.verify(token)


@pytest.mark.parametrize(("secret", "max_age"), [("", 60), ("s", 0), ("s", -1)])
def test_refuses_unsafe_configuration(secret: str, max_age: float) -> None:
    with pytest.raises(ValueError):
        LinkSigner(secret, max_age)
