"""Export options: one pydantic model per format, all sharing the common keys.

Values arrive as Python objects (API, engine) or as strings (`--option KEY=VALUE`);
validators accept both, so ``parse_options(Format.CSV, {"columns": "a,b"})`` and
``CsvOptions(columns=["a", "b"])`` are the same request.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from exporters.datetime_pattern import parse_pattern
from exporters.errors import OptionError
from exporters.masking import MaskKind


def _split_names(value: Any) -> Any:
    if isinstance(value, str):
        return tuple(name.strip() for name in value.split(",") if name.strip())
    return value


class CommonOptions(BaseModel):
    """Keys every format takes (see docs/exporters-cli.md)."""

    # Each format's validator is built when first used: an export validates one of the
    # nine models, and building them all cost ~12 ms of every start-up.
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    columns: tuple[str, ...] | None = Field(None, description="only these columns, in order")
    exclude: tuple[str, ...] = Field((), description="columns to drop")
    rename: dict[str, str] = Field(default_factory=dict, description="old:new pairs")
    limit: int | None = Field(None, ge=0, description="at most this many rows")
    title: str | None = Field(None, description="title shown by formats that show one")
    metadata: bool = Field(False, description="include generated-at, query and row count")
    timezone: str = Field(
        "UTC", description="IANA zone datetimes are shown in (naive ones are taken as UTC)"
    )
    datetime_format: str = Field(
        "iso", description="'iso' or a strftime pattern for dates and timestamps (Python's meaning)"
    )
    null: str = Field("", description="text written for NULL in text formats")
    compression: Literal["none", "gzip", "zip"] = "none"
    generated_at: dt.datetime | None = Field(
        None, description="pin the generation time (reproducible files); default: now"
    )
    mask: dict[str, MaskKind] = Field(
        default_factory=dict,
        description="pattern:kind pairs (kinds: partial, hash, year, drop; patterns like "
        "*email*, case-insensitive); hashing takes its key from the caller, never from here",
    )

    _split_columns = field_validator("columns", "exclude", mode="before")(_split_names)

    @field_validator("rename", mode="before")
    @classmethod
    def _parse_rename(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        pairs: dict[str, str] = {}
        for item in filter(None, (part.strip() for part in value.split(","))):
            old, sep, new = item.partition(":")
            if not sep or not old.strip() or not new.strip():
                raise ValueError(f"expected old:new pairs separated by commas, got {item!r}")
            pairs[old.strip()] = new.strip()
        return pairs

    @field_validator("mask", mode="before")
    @classmethod
    def _parse_mask(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        pairs: dict[str, str] = {}
        for item in filter(None, (part.strip() for part in value.split(","))):
            pattern, sep, kind = item.rpartition(":")
            if not sep or not pattern.strip() or not kind.strip():
                raise ValueError(f"expected pattern:kind pairs separated by commas, got {item!r}")
            pairs[pattern.strip()] = kind.strip().lower()
        return pairs

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(
                f"unknown time zone {value!r}; use an IANA name such as 'Europe/Berlin' or 'UTC'"
            ) from exc
        return value

    @field_validator("datetime_format")
    @classmethod
    def _usable_pattern(cls, value: str) -> str:
        if value != "iso" and "%" not in value:
            raise ValueError("expected 'iso' or a strftime pattern such as '%Y-%m-%d %H:%M'")
        if value != "iso":
            parse_pattern(value)  # a ValueError names the directive it does not know
        return value


class CsvOptions(CommonOptions):
    delimiter: Literal[",", ";", "\t", "|"] = ","
    quoting: Literal["minimal", "all", "nonnumeric", "none"] = "minimal"
    line_terminator: Literal["crlf", "lf"] = "crlf"
    bom: bool = False
    encoding: Literal["utf-8", "utf-16", "latin-1"] = "utf-8"
    header: bool = True
    safe_formulas: bool = True
    decimal_separator: Literal[".", ","] = "."

    @field_validator("delimiter", mode="before")
    @classmethod
    def _named_delimiter(cls, value: Any) -> Any:
        names = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "pipe": "|"}
        return names.get(value, value) if isinstance(value, str) else value

    @field_validator("encoding", mode="before")
    @classmethod
    def _encoding_alias(cls, value: Any) -> Any:
        if isinstance(value, str):
            key = value.lower().replace("_", "-")
            return {
                "utf8": "utf-8",
                "utf16": "utf-16",
                "latin1": "latin-1",
                "iso-8859-1": "latin-1",
            }.get(key, key)
        return value


class TsvOptions(CsvOptions):
    delimiter: Literal[",", ";", "\t", "|"] = "\t"


class JsonlOptions(CommonOptions):
    nulls: Literal["include", "omit"] = "include"
    decimals: Literal["number", "string"] = "number"
    preset: Literal["none", "openai_chat"] = "none"


class JsonOptions(CommonOptions):
    layout: Literal["records", "object"] = "records"
    pretty: bool = False
    nulls: Literal["include", "omit"] = "include"
    nest_by: tuple[str, ...] = ()
    decimals: Literal["number", "string"] = "number"

    _split_nest = field_validator("nest_by", mode="before")(_split_names)


class ParquetOptions(CommonOptions):
    # For Parquet, `compression` is the column codec rather than a wrapper around the file.
    compression: Literal["zstd", "snappy", "gzip", "none"] = "zstd"  # type: ignore[assignment]
    # 64k rows keep a row group in progress small (measured: 230 vs 305 MiB peak at 1M rows).
    row_group_size: int = Field(65_536, ge=1, le=64 * 1024 * 1024)


class XlsxOptions(CommonOptions):
    sheet_name: str = Field("Data", min_length=1, max_length=31)
    title_row: bool = False
    freeze_header: bool = True
    autofilter: bool = True
    column_widths: Literal["auto", "none"] = "auto"

    @field_validator("sheet_name")
    @classmethod
    def _valid_sheet_name(cls, value: str) -> str:
        bad = set(value) & set("[]:*?/\\")
        if bad or value.startswith("'") or value.endswith("'"):
            raise ValueError("a sheet name cannot contain [ ] : * ? / \\ or start/end with '")
        return value


class PdfOptions(CommonOptions):
    orientation: Literal["auto", "portrait", "landscape"] = "auto"
    page_size: Literal["A4", "letter"] = "A4"
    max_rows: int = Field(100_000, ge=1, description="rows beyond this are left out, noted")

    @field_validator("page_size", mode="before")
    @classmethod
    def _page_case(cls, value: Any) -> Any:
        if isinstance(value, str):
            return {"a4": "A4", "letter": "letter"}.get(value.lower(), value)
        return value


class MarkdownOptions(CommonOptions):
    pass


def parse_options(model: type[CommonOptions], values: Mapping[str, Any]) -> CommonOptions:
    """Validate raw option values into ``model``, or raise OptionError naming the key.

    >>> parse_options(CsvOptions, {"delimiter": ";", "bom": "true"}).bom
    True
    """
    known = sorted(model.model_fields)
    for key in values:
        if key not in model.model_fields:
            raise OptionError(f"unknown option {key!r}; accepted options: {', '.join(known)}")
    try:
        return model.model_validate(dict(values))
    except ValidationError as exc:
        error = exc.errors(include_url=False)[0]
        key = ".".join(str(part) for part in error["loc"]) or "options"
        got = values.get(str(error["loc"][0])) if error["loc"] else None
        message = error["msg"].removeprefix("Value error, ")
        raise OptionError(f"option {key!r}: {message} (got {got!r})") from exc
