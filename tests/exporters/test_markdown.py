"""Markdown: literal tables, escaping that keeps one row per line, title and metadata, and
the files rendered by three renderers we did not write (markdown-it-py, python-markdown,
GitHub's cmark-gfm): one table row per record, no HTML element from the data, every cell
read back from the HTML equal to the value."""

from __future__ import annotations

import datetime as dt
import html.parser
import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exporters import export
from exporters.writers.markdown import code_span
from tests.exporters.test_json import in_batches

PINNED = dt.datetime(2026, 11, 18, 15, 30, tzinfo=dt.UTC)


def write(
    table: pa.Table | pa.RecordBatchReader,
    tmp_path: Path,
    query: str | None = None,
    **options: object,
) -> str:
    out = tmp_path / "out.md"
    export(table, out, "markdown", {"generated_at": PINNED, **options}, query=query)
    return out.read_bytes().decode()


def test_small_table_right_aligns_numbers(small: pa.Table, tmp_path: Path) -> None:
    assert write(small, tmp_path) == (
        "| id | name | total |\n"
        "| ---: | --- | ---: |\n"
        "| 1 | Ada | 10.50 |\n"
        '| 2 | Bob "B", Jr. |  |\n'
    )


def test_null_text_and_title(small: pa.Table, tmp_path: Path) -> None:
    assert write(small.select(["total"]), tmp_path, title="Totals\nof today", null="—") == (
        "# Totals of today\n\n| total |\n| ---: |\n| 10.50 |\n| — |\n"
    )


def test_metadata_header_and_trailing_row_count(small: pa.Table, tmp_path: Path) -> None:
    text = write(in_batches(small, 1), tmp_path, query="select *\nfrom `people`", metadata=True)
    assert text == (
        "# People\n\n"
        "- Generated at: 2026-11-18T15:30:00+00:00\n"
        "- Query: `` select * from `people` ``\n\n"
        "| id | name | total |\n"
        "| ---: | --- | ---: |\n"
        "| 1 | Ada | 10.50 |\n"
        '| 2 | Bob "B", Jr. |  |\n'
        "\n_2 rows_\n"
    )


def test_empty_result_keeps_the_header(small: pa.Table, tmp_path: Path) -> None:
    assert write(small.slice(0, 0).select(["id"]), tmp_path, metadata=True, title="T") == (
        "# T\n\n- Generated at: 2026-11-18T15:30:00+00:00\n\n| id |\n| ---: |\n\n_0 rows_\n"
    )


def test_pipes_line_breaks_and_backslashes_are_escaped(tmp_path: Path) -> None:
    table = pa.table(
        {
            "a|b": ["x|y", "one\ntwo\r\nthree\rfour", "C:\\temp\\", None, "  padded  "],
            "n": pa.array([1, 2, 3, 4, 5], pa.int8()),
        }
    )
    assert write(table, tmp_path, null="NULL|") == (
        "| a\\|b | n |\n"
        "| --- | ---: |\n"
        "| x\\|y | 1 |\n"
        "| one<br>two<br>three<br>four | 2 |\n"
        "| C:\\\\temp\\\\ | 3 |\n"
        "| NULL\\| | 4 |\n"
        "|   padded   | 5 |\n"
    )


def test_html_and_markdown_syntax_are_escaped(tmp_path: Path) -> None:
    table = pa.table(
        {
            "<b>h</b>": [
                "<script>alert(1)</script>",
                "![x](http://e/x.png)",
                "**b** _i_ `c` ~~s~~ $x$",
                "&amp; www.example.com\tx",
            ]
        }
    )
    assert write(table, tmp_path).splitlines() == [
        "| &lt;b&gt;h&lt;/b&gt; |",
        "| --- |",
        "| &lt;script&gt;alert(1)&lt;/script&gt; |",
        "| !\\[x\\](http&#58;//e/x.png) |",
        "| \\*\\*b\\*\\* \\_i\\_ \\`c\\` &#126;&#126;s&#126;&#126; &#36;x&#36; |",
        "| &amp;amp; www\\.example.com&#9;x |",
    ]


def test_the_title_is_escaped_and_keeps_a_trailing_hash(tmp_path: Path) -> None:
    text = write(pa.table({"a": [1]}), tmp_path, title="<i>Sales</i> in C#")
    assert text.startswith("# &lt;i&gt;Sales&lt;/i&gt; in C\\#\n\n")
    assert rendered_cells(text, RENDERERS["python-markdown"])[0] == ["a"]


def test_every_type_uses_the_shared_display_rules(nasty: pa.Table, tmp_path: Path) -> None:
    lines = write(nasty, tmp_path, timezone="Europe/Berlin").splitlines()
    assert lines[1] == "| ---: | --- | --- | ---: | ---: | --- | --- | --- | --- |"
    assert lines[3] == (
        '| 2 | Quote "q" and, comma | +49 30 1234 | -0.05 | 0.3333333333333333 | false '
        "| 1999-12-31 | 2026-03-29T03:30:05+02:00 |  |"
    )
    assert lines[4].startswith("| 3 | Line<br>break<br>CRLF | -12.5 | 0.00 | -2 |  |  | ")
    assert lines[8].startswith("| 9007199254740993 |  |  | -123.45 | 123456.789 | false |")
    assert len(lines) == 2 + nasty.num_rows


def test_small_decimals_are_not_scientific(tmp_path: Path) -> None:
    table = pa.table({"d": pa.array([Decimal("0.000000010"), None], pa.decimal128(12, 9))})
    assert write(table, tmp_path) == "| d |\n| ---: |\n| 0.000000010 |\n|  |\n"


def test_code_span_outfences_backticks() -> None:
    assert code_span("select 1") == "`select 1`"
    assert code_span("a `b` ``c``") == "``` a `b` ``c`` ```"
    assert code_span("`x`") == "`` `x` ``"


def test_a_strftime_pattern_is_escaped_like_any_text(nasty: pa.Table, tmp_path: Path) -> None:
    table = nasty.select(["day"]).slice(0, 1)
    assert write(table, tmp_path, datetime_format="%Y|%m") == "| day |\n| --- |\n| 2026\\|11 |\n"


cell_text = st.text(st.sampled_from("ab|\\\r\n `*<&"), max_size=8)


@settings(max_examples=80, deadline=None)
@given(rows=st.lists(st.tuples(st.none() | cell_text, st.none() | cell_text), max_size=6))
def test_every_row_stays_one_line_of_two_cells(
    rows: list[tuple[str | None, str | None]], tmp_path_factory: pytest.TempPathFactory
) -> None:
    table = pa.table(
        {
            name: pa.array([row[i] for row in rows], pa.string())
            for i, name in enumerate(["a|", "b\n"])
        }
    )
    out = tmp_path_factory.mktemp("md") / "t.md"
    export(table, out, "markdown")
    lines = out.read_bytes().decode().split("\n")
    assert lines[-1] == ""
    assert len(lines) == len(rows) + 3
    for line in lines[2:-1]:
        assert line.startswith("| ") and line.endswith(" |")
        assert len(split_row(line)) == 2


def split_row(line: str) -> list[str]:
    """A table row's cells, split at the pipes that are not escaped by a backslash."""
    cells, current, escaped = [], "", False
    for char in line[1:-1]:
        if char == "|" and not escaped:
            cells.append(current)
            current = ""
        else:
            current += char
        escaped = char == "\\" and not escaped
    return [*cells, current]


# --- rendered by others --------------------------------------------------------------


def _markdown_it() -> Callable[[str], str]:
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark").enable(["table", "strikethrough"]).render


def _python_markdown() -> Callable[[str], str]:
    markdown = pytest.importorskip("markdown")
    return lambda text: str(markdown.markdown(text, extensions=["tables"]))


def _github() -> Callable[[str], str]:
    cmarkgfm = pytest.importorskip("cmarkgfm")
    unsafe = cmarkgfm.cmark.Options.CMARK_OPT_UNSAFE  # raw HTML passes, as on a page we own
    return lambda text: str(cmarkgfm.github_flavored_markdown_to_html(text, options=unsafe))


RENDERERS: dict[str, Callable[[], Callable[[str], str]]] = {
    "markdown-it": _markdown_it,
    "python-markdown": _python_markdown,
    "github": _github,
}
TABLE_TAGS = {"table", "thead", "tbody", "tr", "th", "td", "br"}


class _Cells(html.parser.HTMLParser):
    """Table cells of rendered HTML as text (``<br>`` read as a line break), and every other
    element or comment found inside the table (the title's ``<h1>`` is ours)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[list[str]] = []
        self.cell: list[str] | None = None
        self.foreign: list[tuple[str, dict[str, str | None]]] = []
        self.in_table = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.in_table = True
        elif tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self.cell = []
        elif tag == "br" and self.cell is not None:
            self.cell.append("\n")
        if tag not in TABLE_TAGS and self.in_table:
            self.foreign.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self.in_table = False
        if tag in ("td", "th") and self.cell is not None:
            self.rows[-1].append("".join(self.cell))
            self.cell = None

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)

    def handle_comment(self, data: str) -> None:
        if self.in_table:
            self.foreign.append(("!--", {"text": data}))


def rendered_cells(markdown: str, renderer: Callable[[], Callable[[str], str]]) -> list[list[str]]:
    """The table's rows (header first) as a renderer shows them; fails on any element
    that is not table markup (GitHub's own e-mail autolinks aside, see markdown.py)."""
    parser = _Cells()
    parser.feed(renderer()(markdown))
    parser.close()
    foreign = [
        (tag, attrs)
        for tag, attrs in parser.foreign
        if not (
            renderer is _github and tag == "a" and (attrs.get("href") or "").startswith("mailto:")
        )
    ]
    assert not foreign, foreign
    return parser.rows


def shown(value: str) -> str:
    """What a renderer shows for a cell: line breaks as LF, no whitespace at the edges."""
    return re.sub(r"\r\n|\r", "\n", value).strip()


NASTY = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "![x](http://e/x.png)",
    "[a](b)",
    "[a]: http://e/",
    "<http://e.com>",
    "**b**",
    "__b__",
    "_i_",
    "*i*",
    "`c`",
    "``c``",
    "~~s~~",
    "~s~",
    "$x$",
    "&amp;",
    "&#60;",
    "&copy",
    "\\",
    "a\\",
    "\\*",
    "\\\\*",
    "|",
    "\\|",
    "\\\\|",
    "x|y|z",
    "<br>",
    "<!-- -->",
    "---",
    "|---|",
    ":---:",
    "# h",
    "> q",
    "1. x",
    "- x",
    "+ x",
    "[ ] task",
    "[^1]",
    "http://example.com/a_b?c=d&e=f",
    "https://e.com",
    "ftp://e.com",
    "www.example.com",
    "user@example.com",
    "mailto:user@example.com",
    "one\r\ntwo",
    "one\rtwo",
    "one\ntwo",
    "a  \nb",
    "\ttab",
    "  edges  ",
    "\u00a0nbsp\u2028\u0085",
    "Дмитрий 王小明 🙂",
    "",
]


@pytest.mark.parametrize("renderer", list(RENDERERS.values()), ids=list(RENDERERS))
def test_renderers_show_every_nasty_value_as_text(
    renderer: Callable[[], Callable[[str], str]], tmp_path: Path
) -> None:
    header = "<b>h|</b> *x*"
    table = pa.table({header: NASTY, "n": pa.array(range(len(NASTY)), pa.int32())})
    rows = rendered_cells(write(table, tmp_path, title="<i>t</i>"), renderer)
    assert len(rows) == len(NASTY) + 1
    assert [shown(cell) for cell in rows[0]] == [header, "n"]
    for number, (row, value) in enumerate(zip(rows[1:], NASTY, strict=True)):
        assert [shown(cell) for cell in row] == [shown(value), str(number)]


# Python-markdown drops STX/ETX (its own placeholders) and CommonMark turns NUL into
# U+FFFD: those three characters aside, any text reads back.
any_text = st.lists(
    st.characters(blacklist_characters="\x00\x02\x03", blacklist_categories=("Cs",))
    | st.sampled_from(["<", ">", "&", "\\", "|", "`", "*", "_", "[", "]", "~", "$", "\r", "\n"])
    | st.sampled_from(["<br>", "&amp;", "&#60;", "://", "www.", "![", "](", "\r\n", "\t"]),
    max_size=10,
).map("".join)


@settings(max_examples=60, deadline=None)
@given(values=st.lists(any_text, min_size=1, max_size=5))
def test_renderers_show_random_text_as_text(
    values: list[str], tmp_path_factory: pytest.TempPathFactory
) -> None:
    table = pa.table({"v": values})
    out = tmp_path_factory.mktemp("md") / "t.md"
    export(table, out, "markdown")
    text = out.read_bytes().decode()
    for renderer in RENDERERS.values():
        rows = rendered_cells(text, renderer)
        assert len(rows) == len(values) + 1
        assert [shown(row[0]) for row in rows[1:]] == [shown(value) for value in values]
