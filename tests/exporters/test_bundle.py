"""Atomic text files (a conversation's transcript), and which formats compression may wrap."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from exporters import (
    DestinationError,
    EncodingFailed,
    Format,
    export,
    export_text,
    get_format,
    registered_formats,
)


def numbered(count: int, start: int = 0) -> pa.Table:
    return pa.table({"n": pa.array(range(start, start + count), pa.int64())})


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# ----------------------------------------------------------------- text files


def test_text_is_written_as_utf8_with_its_size_and_hash(tmp_path: Path) -> None:
    out = tmp_path / "conversation.jsonl"
    line = json.dumps({"messages": [{"role": "user", "content": "Grüße 🎉"}]}, ensure_ascii=False)
    result = export_text(line + "\n", out)
    data = out.read_bytes()
    assert data == (line + "\n").encode("utf-8")
    assert (result.bytes, result.sha256) == (len(data), hashlib.sha256(data).hexdigest())
    assert result.path == out.resolve()
    assert export_text("# again\n", out).bytes == 8 and out.read_text() == "# again\n"
    assert leftovers(tmp_path) == ["conversation.jsonl"]


def test_long_text_is_written_whole(tmp_path: Path) -> None:
    text = "ä" * 3_000_001  # more than one chunk, two bytes a character
    result = export_text(text, tmp_path / "long.md")
    assert result.bytes == 6_000_002 and (tmp_path / "long.md").read_text() == text


def test_text_that_fails_midway_leaves_no_partial_file(tmp_path: Path) -> None:
    out = tmp_path / "conversation.md"
    out.write_text("the earlier transcript")
    text = "x" * 2_000_000 + "\ud800"  # a lone surrogate after the first chunks
    with pytest.raises(EncodingFailed, match="character 2000001"):
        export_text(text, out)
    assert out.read_text() == "the earlier transcript"
    assert leftovers(tmp_path) == ["conversation.md"]
    with pytest.raises(DestinationError):
        export_text("x", tmp_path / "missing" / "c.md")


# ----------------------------------------------------------------- compressible formats


def test_only_parquet_compresses_inside() -> None:
    assert {spec.format for spec in registered_formats() if not spec.compressible} == {
        Format.PARQUET
    }
    assert get_format("parquet").compressible is False and get_format("csv").compressible


def test_compression_wraps_compressible_formats_only(tmp_path: Path) -> None:
    gz = export(numbered(3), tmp_path / "a.csv.gz", "csv", {"compression": "gzip"})
    assert gz.path.read_bytes()[:2] == b"\x1f\x8b"
    parquet = export(numbered(3), tmp_path / "a.parquet", "parquet", {"compression": "gzip"})
    data = parquet.path.read_bytes()
    assert data[:4] == data[-4:] == b"PAR1"  # a bare Parquet file, its columns gzip-coded
    assert pq.ParquetFile(parquet.path).metadata.row_group(0).column(0).compression == "GZIP"
