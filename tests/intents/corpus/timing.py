"""How long the rules take per message: ``python -m tests.intents.corpus.timing``.

Times every message of the shared corpora and of ours once (after a warm-up) and prints
the median and tail in milliseconds. Not a test: timings belong in a report, not in an
assertion.
"""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path

from intents.context import Context
from intents.rules import parse_rules
from tests.intents.corpus.families import FILE

SHARED = Path(__file__).parents[4] / "shared" / "corpus"


def main() -> None:
    files = [SHARED / "intents-dev.jsonl", SHARED / "intents-dev-2.jsonl", FILE]
    messages = [
        json.loads(line)["message"]
        for path in files
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    context = Context.at("2026-11-18T15:30:00", "UTC")
    for message in messages[:50]:
        parse_rules(message, context)
    times = []
    for message in messages:
        start = time.perf_counter()
        parse_rules(message, context)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    median, p90 = statistics.median(times), times[int(0.9 * len(times))]
    print(f"{len(times)} messages: median {median:.3f} ms, p90 {p90:.3f} ms")


if __name__ == "__main__":
    main()
