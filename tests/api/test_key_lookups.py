"""A key whose trust ran out is looked up once, however many requests bring it at once."""

from __future__ import annotations

import asyncio
import threading

from assistant.api.verifying import KeyLookups


def test_requests_at_once_share_one_lookup_and_a_later_one_asks_again() -> None:
    asked: list[str] = []
    release = threading.Event()

    def look_up() -> str:
        asked.append("ana")
        release.wait(5)
        return "ana"

    async def scenario() -> None:
        lookups: KeyLookups[str] = KeyLookups()
        waiting = [asyncio.ensure_future(lookups.verify("ak_1", look_up)) for _ in range(20)]
        other = asyncio.ensure_future(lookups.verify("ak_2", look_up))  # another key: its own
        await asyncio.sleep(0.05)
        assert lookups.running() == 2
        waiting[0].cancel()  # the client that asked first hangs up: the others still get it
        release.set()
        assert await asyncio.gather(*waiting[1:], other) == ["ana"] * 20
        assert len(asked) == 2 and lookups.running() == 0
        assert await lookups.verify("ak_1", look_up) == "ana"  # asked again once done
        assert len(asked) == 3

    asyncio.run(scenario())


def test_a_failed_lookup_fails_every_request_waiting_for_it() -> None:
    def look_up() -> str:
        raise RuntimeError("the store is down")

    async def scenario() -> None:
        lookups: KeyLookups[str] = KeyLookups()
        answers = await asyncio.gather(
            *(lookups.verify("ak_1", look_up) for _ in range(5)), return_exceptions=True
        )
        assert [str(answer) for answer in answers] == ["the store is down"] * 5
        assert lookups.running() == 0

    asyncio.run(scenario())
