"""Read-ahead keeps order, hands over failures and stops when the consumer does."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from exporters.prefetch import prefetched


def test_items_arrive_in_order() -> None:
    assert list(prefetched(iter(range(100)), depth=3)) == list(range(100))


def test_a_failure_in_the_producer_is_raised_in_the_consumer() -> None:
    def items() -> Iterator[int]:
        yield 1
        raise RuntimeError("the source failed")

    stream = prefetched(items())
    assert next(stream) == 1
    with pytest.raises(RuntimeError, match="the source failed"):
        next(stream)


def test_closing_early_stops_the_worker() -> None:
    produced: list[int] = []

    def items() -> Iterator[int]:
        for i in range(1_000_000):
            produced.append(i)
            yield i

    before = set(threading.enumerate())  # other tests' exports may still be winding down
    stream = prefetched(items(), depth=2)
    assert [next(stream) for _ in range(3)] == [0, 1, 2]
    (worker,) = [t for t in set(threading.enumerate()) - before if t.name == "export-read-ahead"]
    stream.close()
    assert not worker.is_alive()
    assert len(produced) < 10
