"""Masking: personal values changed in the Arrow batches, before any writer sees them.

Applied by :func:`exporters.core.project`, so every format (and every sheet of a
workbook, every file of a bundle) gets the same masked values. ``mask`` maps a column
*pattern* to a :class:`MaskKind`; patterns are shell-style globs (``*email*``,
``birth_*``) matched case-insensitively against the result's unique column names. A
pattern matching no column is no error: a policy names columns that many results lack
(the notes say which columns were masked, so nothing is masked silently or left out
silently). When several patterns match one column the strongest kind wins, so a user's
weaker ask never undoes an admin's stronger one.

Kinds, weakest first:

- ``none``: nothing; only there so a request can say "unmasked" (and lose to any mask).
- ``partial``: the shape stays, most characters become ``*``: ``j***@e***.com`` for an
  e-mail, ``+** *** *** 4567`` for a phone number (digits starred but the last four),
  ``A** L*******`` for other text (each word keeps its first character). Non-text values
  are masked as their text; the column becomes text.
- ``year``: a date or timestamp becomes its year, an integer (birth dates to the year);
  a text column's ``YYYY-...`` values too. A year is no date: writing ``1987-01-01``
  would pass for a real birthday.
- ``hash``: a keyed hash, HMAC-SHA256 with the key passed in, as 16 hex characters.
  Equal values give equal hashes, in every export made with the same key, so joins on
  the column still work; without the key a hash cannot be reversed by trying values.
- ``drop``: the column is left out.

NULL stays NULL under every kind.

>>> import pyarrow as pa
>>> masked = mask_batch(
...     pa.record_batch({"email": ["jane.doe@example.com", None]}), {"email": MaskKind.PARTIAL}
... )
>>> masked.column(0).to_pylist()
['j***@e***.com', None]
"""

from __future__ import annotations

import fnmatch
import functools
import hashlib
import hmac
from collections.abc import Callable, Mapping, Sequence
from enum import StrEnum
from typing import TYPE_CHECKING, Any, NamedTuple

import pyarrow as pa
import pyarrow.compute as pc

from exporters.errors import BadInput, OptionError

__all__ = [
    "HASH_CHARS",
    "MaskKind",
    "MaskPlan",
    "hash_value",
    "mask_batch",
    "mask_text",
    "plan_masks",
]

#: Hex characters kept of a keyed hash: 64 bits, readable, collisions negligible per export.
HASH_CHARS = 16


class MaskKind(StrEnum):
    NONE = "none"
    PARTIAL = "partial"
    YEAR = "year"
    HASH = "hash"
    DROP = "drop"

    @property
    def strength(self) -> int:
        return list(MaskKind).index(self)

    @property
    def words(self) -> str:
        """How the kind is said in a note: "masked: email (partially)"."""
        return _WORDS[self]


_WORDS = {
    MaskKind.NONE: "not masked",
    MaskKind.PARTIAL: "partially",
    MaskKind.YEAR: "to the year",
    MaskKind.HASH: "hashed",
    MaskKind.DROP: "left out",
}


class MaskPlan:
    """Which kind each column of a schema gets (by position), and the note saying so."""

    def __init__(self, kinds: Sequence[MaskKind | None], names: Sequence[str]) -> None:
        self.kinds = list(kinds)
        self.names = list(names)

    @property
    def empty(self) -> bool:
        return all(kind in (None, MaskKind.NONE) for kind in self.kinds)

    @property
    def dropped(self) -> set[int]:
        return {i for i, kind in enumerate(self.kinds) if kind is MaskKind.DROP}

    def note(self) -> str | None:
        """ "masked: email (partially), phone (partially); hashed: name; left out: ssn"."""
        groups: dict[MaskKind, list[str]] = {}
        for name, kind in zip(self.names, self.kinds, strict=True):
            if kind not in (None, MaskKind.NONE):
                groups.setdefault(kind, []).append(name)
        parts = []
        masked = [
            f"{name} ({kind.words})"
            for kind in (MaskKind.PARTIAL, MaskKind.YEAR)
            for name in groups.get(kind, [])
        ]
        if masked:
            parts.append("masked: " + ", ".join(masked))
        if groups.get(MaskKind.HASH):
            parts.append("hashed: " + ", ".join(groups[MaskKind.HASH]))
        if groups.get(MaskKind.DROP):
            parts.append("left out: " + ", ".join(groups[MaskKind.DROP]))
        return "; ".join(parts) or None


def plan_masks(names: Sequence[str], mask: Mapping[str, MaskKind | str]) -> MaskPlan:
    """The strongest kind each of ``names`` gets from ``mask``'s patterns (see module doc)."""
    patterns = [(pattern.lower(), MaskKind(kind)) for pattern, kind in mask.items()]
    kinds: list[MaskKind | None] = []
    for name in names:
        matched = [kind for pattern, kind in patterns if fnmatch.fnmatchcase(name.lower(), pattern)]
        kinds.append(max(matched, key=lambda kind: kind.strength) if matched else None)
    return MaskPlan(kinds, names)


def mask_batch(
    batch: pa.RecordBatch,
    mask: Mapping[str, MaskKind | str] | MaskPlan,
    *,
    key: bytes | None = None,
    timezone: str = "UTC",
) -> pa.RecordBatch:
    """``batch`` with ``mask`` applied (a plan made once per schema, or patterns)."""
    plan = mask if isinstance(mask, MaskPlan) else plan_masks(batch.schema.names, mask)
    return masker(batch.schema, plan, key=key, timezone=timezone)[1](batch)


def masker(
    schema: pa.Schema, plan: MaskPlan, *, key: bytes | None, timezone: str = "UTC"
) -> tuple[pa.Schema, Callable[[pa.RecordBatch], pa.RecordBatch]]:
    """The masked schema, and the function masking each batch of ``schema`` to it."""
    if any(kind is MaskKind.HASH for kind in plan.kinds) and not key:
        raise OptionError(
            "hashing needs a key: the assistant passes its own; on the command line set "
            "EXPORTERS_MASK_KEY"
        )
    transforms: list[tuple[int, Callable[[pa.Array], pa.Array]]] = []
    fields = []
    for index, (field, kind) in enumerate(zip(schema, plan.kinds, strict=True)):
        if kind is MaskKind.DROP:
            continue
        transform = _transform(field, kind, key, timezone)
        if transform is None or kind is None:
            fields.append(field)
            continue
        kept_type = _output_type(field.type, kind)
        fields.append(field.with_type(kept_type))
        transforms.append((index, transform))
    masked_schema = pa.schema(fields, metadata=schema.metadata)
    if not fields:
        raise BadInput("masking leaves no column to export")
    changed = dict(transforms)
    dropped = plan.dropped

    def apply(batch: pa.RecordBatch) -> pa.RecordBatch:
        arrays = [
            changed[i](column) if i in changed else column
            for i, column in enumerate(batch.columns)
            if i not in dropped
        ]
        return pa.RecordBatch.from_arrays(arrays, schema=masked_schema)

    return masked_schema, apply


def _output_type(kind_of: pa.DataType, kind: MaskKind) -> pa.DataType:
    if kind is MaskKind.YEAR:
        return pa.int32()
    return pa.large_string() if pa.types.is_large_string(kind_of) else pa.string()


def _transform(
    field: pa.Field, kind: MaskKind | None, key: bytes | None, timezone: str
) -> Callable[[pa.Array], pa.Array] | None:
    if kind in (None, MaskKind.NONE):
        return None
    out = _output_type(field.type, kind)
    if kind is MaskKind.YEAR:
        return lambda array: _years(field.name, array, timezone)
    if kind is MaskKind.HASH:
        assert key is not None
        secret = key
        return lambda array: _per_value(array, lambda text: hash_value(text, secret), out)
    return lambda array: _per_value(array, mask_text, out)


def _as_text(array: pa.Array) -> list[str | None]:
    if pa.types.is_dictionary(array.type):
        array = array.dictionary_decode()
    if pa.types.is_string(array.type) or pa.types.is_large_string(array.type):
        return array.to_pylist()  # type: ignore[no-any-return]
    if pa.types.is_binary(array.type) or pa.types.is_large_binary(array.type):
        return [None if value is None else value.hex() for value in array.to_pylist()]
    try:
        return pc.cast(array, pa.string()).to_pylist()  # type: ignore[no-any-return]
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return [None if value is None else str(value) for value in array.to_pylist()]


def _per_value(array: pa.Array, change: Callable[[str], str], out: pa.DataType) -> pa.Array:
    return pa.array([None if text is None else change(text) for text in _as_text(array)], out)


def hash_value(text: str, key: bytes) -> str:
    """The keyed hash of ``text``: HMAC-SHA256 under ``key``, first :data:`HASH_CHARS` hex.

    >>> hash_value("Ada", b"k") == hash_value("Ada", b"k") != hash_value("Ada", b"other")
    True
    """
    digest = hmac.new(key, text.encode("utf-8"), hashlib.sha256).hexdigest()
    return digest[:HASH_CHARS]


if TYPE_CHECKING:
    import regex


class _Patterns(NamedTuple):
    email: regex.Pattern[str]
    digit: regex.Pattern[str]
    word: regex.Pattern[str]
    space: regex.Pattern[str]
    year: regex.Pattern[str]


@functools.cache
def _patterns() -> _Patterns:
    # `regex` (Unicode's \w, \d and \s) is loaded here, on first use (the import above
    # only names its types): most exports mask nothing, and it costs ~8 ms of start-up.
    import regex

    return _Patterns(
        email=regex.compile(r"^\s*([^@\s]+)@([^@\s.]+)((?:\.[^@\s.]+)*)\s*$"),
        digit=regex.compile(r"\d"),
        word=regex.compile(r"\w+"),
        space=regex.compile(r"\s"),
        year=regex.compile(r"^\s*(\d{4})(?:$|[-/T ])"),
    )


def mask_text(text: str) -> str:
    """``text`` with its shape kept and most of it starred (see the module docstring).

    >>> mask_text("jane.doe@example.com"), mask_text("+49 170 123 4567"), mask_text("Ada Lovelace")
    ('j***@e***.com', '+** *** *** 4567', 'A** L*******')
    """
    patterns = _patterns()
    email = patterns.email.match(text)
    if email:
        local, domain, rest = email.groups()
        top = rest.rsplit(".", 1)[-1] if rest else ""
        return f"{local[0]}***@{domain[0]}***" + (f".{top}" if top else "")
    digits = len(patterns.digit.findall(text))
    if digits >= 5 and digits * 2 >= len(patterns.space.sub("", text)):
        keep = digits - 4  # phone-like: every digit starred but the last four
        out = []
        for char in text:
            if char.isdigit() and keep > 0:
                keep -= 1
                out.append("*")
            else:
                out.append(char)
        return "".join(out)
    return patterns.word.sub(_star_word, text)


def _star_word(word: regex.Match[str]) -> str:
    text = word.group()
    return "*" * len(text) if len(text) < 2 else text[0] + "*" * (len(text) - 1)


def _years(name: str, array: pa.Array, timezone: str) -> pa.Array:
    kind = array.type
    if pa.types.is_dictionary(kind):
        array = array.dictionary_decode()
        kind = array.type
    if pa.types.is_timestamp(kind):
        if kind.tz is None:  # naive times are UTC, as the writers take them
            array = pc.assume_timezone(array, "UTC")
        array = array.cast(pa.timestamp(kind.unit, tz=timezone))
        return pc.year(array).cast(pa.int32())
    if pa.types.is_date(kind):
        return pc.year(array).cast(pa.int32())
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return pa.array([_text_year(name, value) for value in array.to_pylist()], pa.int32())
    raise BadInput(f"column {name!r} holds no dates ({kind}): it cannot be cut to the year")


def _text_year(name: str, value: Any) -> int | None:
    if value is None:
        return None
    found = _patterns().year.match(value)
    if found is None:
        raise BadInput(f"column {name!r} has a value that is no date: it cannot be cut to the year")
    return int(found.group(1))
