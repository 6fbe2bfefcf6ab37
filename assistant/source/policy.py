"""The admin's masking policy: columns always masked, whoever asks and wherever data goes.

``ASSISTANT_MASK_POLICY`` tags columns by case-insensitive name patterns, inline
(``*email*=partial,*phone*=partial,birth_*=year,ssn=drop``) or as the path of a TOML
or JSON file holding the same pairs (TOML: top-level ``"*email*" = "partial"`` lines or a
``[mask]`` table; JSON: one object). Kinds are the exporter's (:mod:`exporters.masking`):
``partial``, ``hash``, ``year``, ``drop``.

The policy is applied to every export (its patterns join the request's ``mask`` option,
and the exporter keeps the strongest kind per column, so a user can add masks but never
weaken one), to every delivery (they reuse the export path), and to the chat preview
(:meth:`MaskPolicy.mask_table`, used by :meth:`DataSource.preview`): a table shown in
the chat, stored as a query run, or rendered in a transcript holds the masked values.
Nothing sent to an LLM carries data values at all (schema names and the user's words
only; ``tests/assistant/test_masking.py`` captures the prompts to keep it so).

``key`` keys the ``hash`` kind: derived from ``ASSISTANT_SECRET_KEY``
(:func:`assistant.files.links.mask_key`), so hashes are the same in every export and
preview, and joins on a hashed column still work.

>>> policy = parse_policy("*email*=partial, ssn = drop")
>>> [(pattern, kind.value) for pattern, kind in policy]
[('*email*', 'partial'), ('ssn', 'drop')]
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa

from assistant.errors import PolicyError
from assistant.settings import Settings
from exporters import MaskKind
from exporters.masking import MaskPlan, masker, plan_masks

__all__ = ["MaskPolicy", "PolicyError", "parse_policy", "strongest"]

Rules = tuple[tuple[str, MaskKind], ...]


def parse_policy(text: str) -> Rules:
    """The policy's (pattern, kind) pairs from inline text or a ``.toml``/``.json`` path."""
    text = text.strip()
    if not text:
        return ()
    if text.lower().endswith((".toml", ".json")) and "=" not in text:
        return _from_file(Path(text))
    pairs = []
    for item in filter(None, (part.strip() for part in text.split(","))):
        pattern, sep, kind = item.rpartition("=")
        if not sep or not pattern.strip():
            raise PolicyError(f"ASSISTANT_MASK_POLICY: expected pattern=kind, got {item!r}")
        pairs.append((pattern.strip(), kind))
    return _rules(pairs)


def _from_file(path: Path) -> Rules:
    try:
        raw = path.read_text(encoding="utf-8")
        data: Any = tomllib.loads(raw) if path.suffix.lower() == ".toml" else json.loads(raw)
    except (OSError, ValueError) as exc:
        raise PolicyError(f"ASSISTANT_MASK_POLICY: cannot read {path}: {exc}") from exc
    if isinstance(data, dict) and isinstance(data.get("mask"), dict):
        data = data["mask"]
    if not isinstance(data, dict):
        raise PolicyError(f"ASSISTANT_MASK_POLICY: {path} must map patterns to kinds")
    return _rules(list(data.items()))


def _rules(pairs: Sequence[tuple[str, Any]]) -> Rules:
    rules = []
    kinds = ", ".join(kind.value for kind in MaskKind if kind is not MaskKind.NONE)
    for pattern, kind in pairs:
        try:
            known = MaskKind(str(kind).strip().lower())
        except ValueError:
            known = MaskKind.NONE
        if known is MaskKind.NONE:
            raise PolicyError(
                f"ASSISTANT_MASK_POLICY: {pattern!r} has kind {kind!r}; use one of {kinds}"
            )
        rules.append((str(pattern).strip(), known))
    return tuple(rules)


def strongest(*masks: Mapping[str, MaskKind | str]) -> dict[str, MaskKind]:
    """``masks`` merged, keeping the strongest kind where two name the same pattern."""
    merged: dict[str, MaskKind] = {}
    for mask in masks:
        for pattern, kind in mask.items():
            known = MaskKind(kind)
            if pattern not in merged or known.strength > merged[pattern].strength:
                merged[pattern] = known
    return merged


@dataclass(frozen=True)
class MaskPolicy:
    """The policy's rules and the key its (and the users') hashes are made with."""

    rules: Rules = ()
    key: bytes | None = None

    @classmethod
    def from_settings(cls, settings: Settings, key: bytes | None) -> MaskPolicy:
        return cls(parse_policy(settings.mask_policy), key)

    @property
    def mask(self) -> dict[str, MaskKind]:
        """The rules as the exporter's ``mask`` option."""
        return strongest(dict(self.rules))

    def plan(self, names: Sequence[str]) -> MaskPlan:
        """What the policy does to columns called ``names``."""
        return plan_masks(names, self.mask)

    def mask_table(self, table: pa.Table, timezone: str = "UTC") -> pa.Table:
        """``table`` as the policy lets anyone see it (the chat preview)."""
        plan = self.plan(table.column_names)
        if plan.empty:
            return table
        schema, apply = masker(table.schema, plan, key=self.key, timezone=timezone)
        return pa.Table.from_batches([apply(batch) for batch in table.to_batches()], schema)
