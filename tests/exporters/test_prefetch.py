"""Read-ahead keeps order, hands over failures and stops when the consumer does."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pytest

from exporters import CancelToken, ExportCancelled, export
from exporters.prefetch import prefetched
from exporters.writers.pipeline import pipelined


def test_items_arrive_in_order() -> None:
    assert list(prefetched(iter(range(100)), depth=3)) == list(range(100))


def test_a_single_item_is_read_and_worked_on_without_a_thread() -> None:
    """A small export's one batch costs no thread start; from the third item on, reading
    and working run on threads of their own, in order."""
    here = threading.get_ident()

    def items(n: int, readers: list[int]) -> Iterator[int]:
        for i in range(n):
            readers.append(threading.get_ident())
            yield i

    workers: list[int] = []

    def work(i: int) -> int:
        workers.append(threading.get_ident())
        return i * 2

    for n in (0, 1):
        readers: list[int] = []
        doubled = pipelined(work, prefetched(items(n, readers)))
        assert list(doubled) == [i * 2 for i in range(n)]
        assert set(readers) | set(workers) <= {here}
    readers = []
    workers.clear()
    doubled = pipelined(work, prefetched(items(50, readers)))
    assert list(doubled) == [i * 2 for i in range(50)]
    assert readers[:2] == [here, here] and set(readers[2:]) == {readers[2]} != {here}
    assert here not in workers and len(set(workers)) == 1


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


def test_an_export_stops_reading_before_it_returns(tmp_path: Path) -> None:
    """A cancelled export's read-ahead thread is gone when export() raises, so the caller
    can close the database under it (not left to the garbage collector)."""
    schema = pa.schema([("n", pa.int64())])
    cancel = CancelToken()

    def batches() -> Iterator[pa.RecordBatch]:
        for start in range(0, 1_000_000, 1000):
            if start == 5000:
                cancel.cancel()
            yield pa.record_batch([pa.array(range(start, start + 1000))], schema=schema)

    before = set(threading.enumerate())
    reader = pa.RecordBatchReader.from_batches(schema, batches())
    with pytest.raises(ExportCancelled) as caught:  # its traceback keeps export's frame alive
        export(reader, tmp_path / "n.csv", "csv", cancel=cancel)
    assert caught.value.__traceback__ is not None
    started = [t for t in set(threading.enumerate()) - before if t.name == "export-read-ahead"]
    assert started == []
    assert list(tmp_path.iterdir()) == []
