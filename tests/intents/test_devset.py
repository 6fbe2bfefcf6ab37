"""The shared dev corpus, scored with the official scorer's own comparison functions.

The corpus and the scorer live in the shared folder beside the repository; a missing
file is a failure (the score would silently not be checked otherwise).
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any

from intents.context import Context
from intents.rules import parse_rules

SHARED = Path(__file__).parents[3] / "shared"
CORPUS = SHARED / "corpus" / "intents-dev.jsonl"
SCORER = SHARED / "tools" / "eval_intents.py"
MIN_SHARE = 0.97


def _scorer() -> ModuleType:
    spec = importlib.util.spec_from_file_location("eval_intents", SCORER)
    assert spec is not None and spec.loader is not None, f"cannot load {SCORER}"
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _cases() -> list[dict[str, Any]]:
    lines = CORPUS.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def test_corpus_and_scorer_are_there() -> None:
    assert CORPUS.is_file(), f"the dev corpus is missing: {CORPUS}"
    assert SCORER.is_file(), f"the scorer is missing: {SCORER}"


def test_rules_get_the_dev_set_right() -> None:
    scorer = _scorer()
    cases = _cases()
    assert cases, "the dev corpus is empty"
    failures: list[str] = []
    for case in cases:
        context = Context.at(case.get("now"), case.get("tz") or "UTC")
        output = parse_rules(case["message"], context).request.contract_json()
        wrong = [
            f"{key}: expected {expected!r}, got {output.get(key, '<missing>')!r}"
            for key, expected in case["expect"].items()
            if not scorer.key_matches(key, expected, output.get(key, scorer.MISSING))
        ]
        if wrong:
            failures.append(f"{case['id']} {case['message']!r}: " + "; ".join(wrong))
    share = 1 - len(failures) / len(cases)
    print(f"dev set: {len(cases) - len(failures)}/{len(cases)} fully right ({share:.3f})")
    print("\n".join(failures))
    assert share >= MIN_SHARE, "\n".join(failures)
