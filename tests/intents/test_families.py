"""Our own corpus (tests/intents/corpus/families.py), family by family.

Each family must reach its rate; the rates asserted are the ones reached when the corpus
was written (issue #16), less a little, so a regression in one family shows at once.
The corpus file must be what the generator makes: nobody edits expectations by hand.
"""

from __future__ import annotations

import importlib.util
from collections import Counter
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from intents.context import Context
from intents.rules import parse_rules
from tests.intents.corpus.families import FAMILIES, FILE, build, render

SCORER = Path(__file__).parents[3] / "shared" / "tools" / "eval_intents.py"
MIN_RATE = {
    "format-only": 0.98,
    "addresses": 0.98,
    "typos": 0.98,
    "email-verbs": 0.97,
    "column-lists": 0.97,
    "exclusions": 0.98,
    "row-limits": 0.99,
    "help-thanks": 0.95,
    "deferrals": 0.98,
    "politeness": 0.98,
    "destinations": 0.99,
    "hourly-minutes": 0.98,
    "two-formats": 0.97,
}


def _scorer() -> ModuleType:
    spec = importlib.util.spec_from_file_location("eval_intents", SCORER)
    assert spec is not None and spec.loader is not None, f"cannot load {SCORER}"
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def results() -> dict[str, tuple[int, int, list[str]]]:
    scorer = _scorer()
    total: Counter[str] = Counter()
    right: Counter[str] = Counter()
    failures: dict[str, list[str]] = {family: [] for family in FAMILIES}
    for case in build():
        family = case["why"].split(":", 1)[0]
        output = parse_rules(case["message"], Context.at(case["now"], case["tz"])).request
        data: dict[str, Any] = output.contract_json()
        wrong = [
            key
            for key, expected in case["expect"].items()
            if not scorer.key_matches(key, expected, data.get(key, scorer.MISSING))
        ]
        wrong += [
            f"clarify names {word!r}"
            for word in case.get("mentions", [])
            if word.lower() not in (data["clarify"] or "").lower()
        ]
        total[family] += 1
        if wrong:
            failures[family].append(f"{case['message']!r}: {', '.join(wrong)}")
        else:
            right[family] += 1
    return {family: (right[family], total[family], failures[family]) for family in FAMILIES}


def test_the_corpus_file_is_what_the_generator_makes() -> None:
    assert FILE.read_text(encoding="utf-8") == render(build())


def test_every_family_has_several_hundred_phrasings() -> None:
    sizes = Counter(case["why"].split(":", 1)[0] for case in build())
    assert set(sizes) == set(MIN_RATE) == set(FAMILIES)
    assert all(size >= 140 for size in sizes.values()), sizes


@pytest.mark.parametrize("family", list(MIN_RATE))
def test_family_rate(family: str, results: dict[str, tuple[int, int, list[str]]]) -> None:
    right, total, failures = results[family]
    rate = right / total
    print(f"{family}: {right}/{total} ({rate:.3f})")
    assert rate >= MIN_RATE[family], "\n".join(failures)
