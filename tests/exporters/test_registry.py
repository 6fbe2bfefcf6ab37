"""The registry and the contract cannot drift apart."""

from __future__ import annotations

import re
from pathlib import Path
from types import ModuleType

import pytest

import exporters
from exporters import Format, FormatSpec, get_format, register, registered_formats
from exporters.options import CommonOptions

CONTRACT = Path(__file__).resolve().parents[3] / "shared" / "contracts" / "exporters.md"


def test_every_contract_format_is_registered_once() -> None:
    assert [spec.format for spec in registered_formats()] == [
        Format.CSV,
        Format.TSV,
        Format.JSON,
        Format.JSONL,
        Format.PARQUET,
        Format.XLSX,
        Format.PDF,
        Format.MARKDOWN,
    ]
    if CONTRACT.exists():
        line = next(x for x in CONTRACT.read_text().splitlines() if x.startswith("- `--format`"))
        assert set(re.findall(r"`(\w+)`", line.split(":", 1)[1])) == {f.value for f in Format}


def test_each_spec_has_media_type_extension_and_its_options() -> None:
    for spec in registered_formats():
        assert "/" in spec.media_type and spec.extension and spec.description
        assert issubclass(spec.options, CommonOptions)


def test_common_contract_options_are_accepted_by_every_format() -> None:
    common = {
        "columns",
        "exclude",
        "rename",
        "limit",
        "title",
        "metadata",
        "timezone",
        "datetime_format",
        "null",
        "compression",
    }
    for spec in registered_formats():
        assert common <= set(spec.options.model_fields)


def test_duplicate_registration_is_an_error() -> None:
    spec = get_format("csv")
    with pytest.raises(ValueError, match="already registered"):
        register(FormatSpec(Format.CSV, spec.media_type, "csv", spec.options, spec.writer))


def test_public_names_are_exactly_all() -> None:
    public = {
        name
        for name, value in vars(exporters).items()
        if not name.startswith("_") and not isinstance(value, ModuleType)  # submodules aside
    }
    assert public == set(exporters.__all__)
