"""JSON text for Arrow columns, vectorised: the shared core of the JSON and JSON Lines writers.

Every column becomes a string array of JSON value texts (NULL stays NULL so each writer
can write ``null`` or leave the key out), and rows become objects with one ``take``
that lays the values and the ``"key":`` pieces between them end to end. Values are exact:
integers and decimals (``decimal128`` and ``decimal256``) are cast to text, never through
a float; floats keep a ``.0`` or an exponent so readers get a float back, and
NaN/Infinity (which JSON lacks) become null; dates, times, timestamps and intervals are
strings following :mod:`exporters.render`; strings are escaped per RFC 8259 exactly as
``json.dumps(..., ensure_ascii=False)`` escapes them. Lists (of any depth, ``null``
inside kept) and structs nest. JSON values (the ``arrow.json`` type, PostgreSQL
json/jsonb) are inserted as they are, nested, not as strings: the type promises valid
JSON, and the line breaks JSON allows between tokens become spaces so a JSON Lines record
stays on one line.

The same encoder writes the JSON array text of list cells in the text formats, which
have no ``decimals`` or ``nulls`` option: decimals are numbers there and NULL members
are written as ``null``.

Grouping (``nest_by``, chat conversations) is also here: :func:`group_runs` orders rows so
each group is contiguous, groups in order of first appearance.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

import pyarrow as pa
import pyarrow.compute as pc

from exporters.known_text import KnownText
from exporters.options import CommonOptions, JsonlOptions, JsonOptions
from exporters.render import decimal_text, recalled, text_buffer, text_column
from exporters.writers.json_rows import Punctuation, object_rows

Options = CommonOptions  # JSON and JSON Lines options, or a text format's (list cells)

# What json.dumps writes for the characters JSON strings cannot hold as they are.
_ESCAPES = {code: f"\\u{code:04x}" for code in range(0x20)} | {
    0x08: "\\b",
    0x09: "\\t",
    0x0A: "\\n",
    0x0C: "\\f",
    0x0D: "\\r",
    0x22: '\\"',
    0x5C: "\\\\",
}
_PLAIN = bytes(code for code in range(256) if code not in _ESCAPES)
_INTEGRAL = r"^-?[0-9]+$"
_NOT_LINE_BREAK = bytes(code for code in range(256) if code not in b"\r\n")


def json_key(name: str) -> str:
    """``name`` as a JSON string literal (the same escaping as the values)."""
    return json.dumps(name, ensure_ascii=False)


@dataclass(frozen=True)
class Style:
    """Compact (``{"a":1}``) or pretty (two-space indent, ``"a": 1``) punctuation."""

    pretty: bool = False

    @property
    def newline(self) -> str:
        return "\n" if self.pretty else ""

    @property
    def colon(self) -> str:
        return ": " if self.pretty else ":"

    def pad(self, level: int) -> str:
        return "  " * level if self.pretty else ""

    def item_separator(self) -> str:
        return "," + self.newline


class Encoded(NamedTuple):
    """A column's JSON texts. When ``quoted``, ``text`` is the escaped string contents and
    the quotes are still to add: writers fold them into the key pieces, saving a pass."""

    text: pa.Array
    quoted: bool = False

    def json(self) -> pa.Array:
        """Complete JSON value texts, NULL where the value is null."""
        if not self.quoted:
            return self.text
        quote = pa.scalar('"', self.text.type)
        return pc.binary_join_element_wise(quote, self.text, quote, pa.scalar("", self.text.type))


def escape_strings(text: pa.Array) -> Encoded:
    """Escape per RFC 8259: one replacement pass per special character present."""
    if text.type != pa.string():
        text = text.cast(pa.string())
    # One pass over the raw bytes finds which special characters occur at all (usually
    # none, or one or two). UTF-8 lead and continuation bytes are >= 0x80, so a byte
    # < 0x20 is a control character. Backslash goes first: the others introduce one.
    present = set(text_buffer(text).to_pybytes().translate(None, _PLAIN))
    for code in sorted(present, key=lambda code: code != 0x5C):
        text = pc.replace_substring(text, chr(code), _ESCAPES[code])
    return Encoded(text, quoted=True)


def encode_column(column: pa.Array, options: Options, known: KnownText | None = None) -> Encoded:
    """``column`` as JSON texts (``pa.string()``), NULL where the value is null; ``known``
    may hold the source's own text of it (:mod:`exporters.known_text`)."""
    kind = column.type
    text = recalled(column, options, known)
    if text is not None:  # numbers as JSON numbers; dates and times need no escaping
        quoted = not pa.types.is_integer(kind) and (
            not pa.types.is_decimal(kind) or _decimals_as_strings(options)
        )
        return Encoded(text, quoted=quoted)
    if pa.types.is_dictionary(kind):
        return encode_column(column.dictionary_decode(), options)
    if isinstance(kind, pa.BaseExtensionType):
        if kind.extension_name == "arrow.json":
            return Encoded(_json_values(column.storage))
        if kind.extension_name != "arrow.uuid":
            return encode_column(column.storage, options)
        return Encoded(text_column(column, options), quoted=True)  # hex digits and dashes
    if pa.types.is_null(kind):
        return Encoded(pa.nulls(len(column), pa.string()))
    if pa.types.is_integer(kind) or pa.types.is_boolean(kind):
        return Encoded(column.cast(pa.string()))
    if pa.types.is_floating(kind):
        return Encoded(_floats(column))
    if pa.types.is_decimal(kind):
        return Encoded(decimal_text(column), quoted=_decimals_as_strings(options))
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return escape_strings(column)
    if pa.types.is_map(kind):
        entries = pa.struct([("key", kind.key_type), ("value", kind.item_type)])
        return encode_column(column.cast(pa.list_(entries)), options)
    if pa.types.is_fixed_size_list(kind):
        return encode_column(column.cast(pa.list_(kind.value_type)), options)
    if pa.types.is_list(kind) or pa.types.is_large_list(kind):
        inner = encode_column(column.values, options).json().fill_null("null")
        rebuilt = type(column).from_arrays(column.offsets, inner)
        text = pc.binary_join_element_wise("[", pc.binary_join(rebuilt, ","), "]", "")
        return Encoded(_null_where(column, text))
    if pa.types.is_struct(kind):
        names = [kind.field(i).name for i in range(kind.num_fields)]
        values = [encode_column(child, options) for child in column.flatten()]
        text = objects(names, values, omit=_omit_nulls(options), length=len(column))
        return Encoded(_null_where(column, text))
    if pa.types.is_temporal(kind) and options.datetime_format == "iso":
        return Encoded(text_column(column, options), quoted=True)  # nothing to escape
    if pa.types.is_time(kind) or pa.types.is_interval(kind) or pa.types.is_duration(kind):
        return Encoded(text_column(column, options), quoted=True)  # ISO: nothing to escape
    return escape_strings(text_column(column, options))  # binary as hex, patterns, ...


def _decimals_as_strings(options: Options) -> bool:
    return isinstance(options, JsonOptions | JsonlOptions) and options.decimals == "string"


def _omit_nulls(options: Options) -> bool:
    return isinstance(options, JsonOptions | JsonlOptions) and options.nulls == "omit"


def _json_values(text: pa.Array) -> pa.Array:
    """JSON texts as nested values: CR and LF (only ever whitespace between tokens in valid
    JSON, where a string cannot hold them raw) become spaces."""
    if not pa.types.is_string(text.type):
        text = text.cast(pa.string())
    present = set(text_buffer(text).to_pybytes().translate(None, _NOT_LINE_BREAK))
    for code in present:
        text = pc.replace_substring(text, chr(code), " ")
    return text


def _floats(column: pa.Array) -> pa.Array:
    if pa.types.is_float16(column.type):
        column = column.cast(pa.float32())
    text = column.cast(pa.string())
    integral = pc.match_substring_regex(text, _INTEGRAL)  # "1" would read back as an int
    if pc.any(integral).as_py():
        text = pc.if_else(integral, pc.binary_join_element_wise(text, ".0", ""), text)
    finite = pc.is_finite(column)
    if not pc.all(finite).as_py():
        text = pc.if_else(finite, text, pa.scalar(None, pa.string()))
    return text


def _null_where(column: pa.Array, text: pa.Array) -> pa.Array:
    if not column.null_count:
        return text
    return pc.if_else(column.is_valid(), text, pa.scalar(None, text.type))


def objects(
    keys: Sequence[str],
    values: Sequence[Encoded],
    *,
    omit: bool,
    length: int,
    style: Style = Style(),
    level: int = 0,
    start: str = "",
    end: str = "",
) -> pa.Array:
    """One JSON object text per row: ``start``, the padded object, ``end``.

    With ``omit`` a NULL value leaves its key out; otherwise it is written as ``null``.
    All texts must share one type (``string`` or ``large_string``). Assembled by
    :func:`.json_rows.object_rows`, or row by row when the values are long.
    """
    kind = values[0].text.type if values else pa.string()
    pad = style.pad(level)
    if not keys:
        return pa.repeat(pa.scalar(f"{start}{pad}{{}}{end}", kind), length)
    pieces = length * (2 * len(values) + 1)
    if sum(len(text_buffer(value.text)) for value in values) > _LONG_PIECE * pieces:
        return _joined_rows(keys, values, omit=omit, style=style, level=level, start=start, end=end)
    punctuation = Punctuation(
        open=f"{start}{pad}{{",
        before=f"{style.newline}{style.pad(level + 1)}",
        colon=style.colon,
        close=f"{style.newline}{pad}}}{end}",
    )
    return object_rows(
        tuple(json_key(key) for key in keys),
        [value.text for value in values],
        tuple(value.quoted for value in values),
        omit=omit,
        length=length,
        punctuation=punctuation,
    )


# Bytes of value text per piece of a row above which the rows are joined row by row: the
# pool of json_rows copies every value twice (into the pool, then out of it), which costs
# more than its cheaper pieces save once values are long (3 texts of 1 kB: 0.88 s per 1M
# rows against 0.47; the benchmark's 10 short columns: 0.16 against 0.27).
_LONG_PIECE = 32


def _joined_rows(
    keys: Sequence[str],
    values: Sequence[Encoded],
    *,
    omit: bool,
    style: Style,
    level: int,
    start: str,
    end: str,
) -> pa.Array:
    """:func:`objects` by one element-wise join of the pieces of each row."""
    kind = values[0].text.type
    pad, inner, newline = style.pad(level), style.pad(level + 1), style.newline
    prefixes = [f"{inner}{json_key(key)}{style.colon}" for key in keys]
    close = f"{newline}{pad}}}{end}"
    if not omit or not any(value.text.null_count for value in values):
        pieces: list[pa.Array | str] = []
        glue = f"{start}{pad}{{{newline}"  # text between two values
        for prefix, value in zip(prefixes, values, strict=True):
            if value.quoted and not value.text.null_count:
                pieces += [f'{glue}{prefix}"', value.text]
                glue = f'",{newline}'
            else:
                text = value.json()
                pieces += [glue + prefix, text.fill_null("null") if text.null_count else text]
                glue = f",{newline}"
        return concat([*pieces, glue.removesuffix(f",{newline}") + close], kind)
    # Each member carries its leading comma; the one right after "{" is dropped below.
    # (null_handling="skip" would be neater but drops rows whose members are all null.)
    members: list[pa.Array | str] = [
        concat(
            [f',{newline}{prefix}"', value.text, '"']
            if value.quoted
            else [f",{newline}{prefix}", value.text],
            kind,
        )
        for prefix, value in zip(prefixes, values, strict=True)
    ]
    text = concat([f"{start}{pad}{{", *members, close], kind, skip_nulls=True)
    return pc.replace_substring(text, "{,", "{", max_replacements=1)


def concat(
    pieces: Sequence[pa.Array | str], kind: pa.DataType, skip_nulls: bool = False
) -> pa.Array:
    """Row-wise concatenation of arrays and constant strings: NULL in, NULL out, unless
    ``skip_nulls`` (then a NULL piece adds nothing)."""
    args = [pa.scalar(piece, kind) if isinstance(piece, str) else piece for piece in pieces]
    nulls = {"null_handling": "replace", "null_replacement": ""} if skip_nulls else {}
    return pc.binary_join_element_wise(*args, pa.scalar("", kind), **nulls)


def group_runs(keys: Sequence[pa.Array]) -> tuple[pa.Array, list[pa.Array]]:
    """The row order that makes groups contiguous, and where each level's groups start.

    ``keys`` are non-null JSON texts, outermost level first. Groups keep the order in
    which they first appear and rows keep their order within a group (stable sort).
    Returns ``(order, starts)``: ``starts[k]`` are the positions, in sorted order, where
    a group of the first ``k + 1`` keys begins.
    """
    ids = []
    comma = pa.scalar(",", keys[0].type)
    for level in range(len(keys)):
        composite = pc.binary_join_element_wise(*keys[: level + 1], comma) if level else keys[0]
        ids.append(pc.dictionary_encode(composite).indices)  # first appearance = 0, 1, ...
    table = pa.table({str(level): level_ids for level, level_ids in enumerate(ids)})
    order = pc.sort_indices(table, sort_keys=[(name, "ascending") for name in table.column_names])
    starts = []
    for level_ids in ids:
        ordered = level_ids.take(order)
        changed = pc.not_equal(ordered.slice(1), ordered.slice(0, len(ordered) - 1))
        positions = pc.add(pc.indices_nonzero(changed), 1).cast(pa.int32())
        starts.append(pa.concat_arrays([pa.array([0], pa.int32()), positions]))
    return order, starts


def join_groups(items: pa.Array, starts: pa.Array, separator: str) -> pa.Array:
    """Join consecutive ``items`` into one text per group beginning at ``starts``."""
    offsets = pa.concat_arrays([starts, pa.array([len(items)], pa.int32())])
    lists = pa.ListArray.from_arrays(offsets, items)
    return pc.binary_join(lists, pa.scalar(separator, items.type))
