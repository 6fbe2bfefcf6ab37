"""The small fixed parts of an XLSX package: styles, workbook, relationships, properties.

Only what a data export needs: one font for the header, one for the title, a header fill
and the number formats the columns use. Every part is a short string built here; the
worksheets themselves are streamed by :mod:`exporters.writers.xlsx`.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from xml.sax.saxutils import escape

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"
HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
HEADER_STYLE = 1
TITLE_STYLE = 2
_BUILTIN_FORMATS = {"0": 1}  # Excel's own number format ids need no <numFmt>
_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml(text: str, quote: bool = False) -> str:
    """``text`` escaped for XML, without the characters XML 1.0 cannot hold."""
    text = escape(_INVALID.sub("", text))
    return text.replace('"', "&quot;") if quote else text


def column_letter(index: int) -> str:
    """``0`` -> ``A``, ``26`` -> ``AA``."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


class Styles:
    """Cell formats: 0 plain, 1 header, 2 title, then one per number format in use.

    Formats are added sheet by sheet and an index, once given, never changes, so sheets
    written early stay right when a later sheet brings new formats.
    """

    def __init__(self) -> None:
        self._index: dict[str, int] = {}

    def add(self, number_formats: list[str | None]) -> None:
        """Give each format not seen yet the next index, in sorted order (reproducible)."""
        for code in sorted({code for code in number_formats if code} - self._index.keys()):
            self._index[code] = 3 + len(self._index)

    def index(self, number_format: str | None) -> int:
        return self._index[number_format] if number_format else 0

    def xml(self) -> str:
        formats = list(self._index)  # in index order
        custom = [code for code in formats if code not in _BUILTIN_FORMATS]
        ids = {code: 164 + i for i, code in enumerate(custom)} | _BUILTIN_FORMATS
        num_fmts = "".join(
            f'<numFmt numFmtId="{ids[code]}" formatCode="{xml(code, True)}"/>' for code in custom
        )
        font = '<sz val="{}"/><name val="Calibri"/><family val="2"/>'
        xfs = [
            '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>',
            '<xf numFmtId="0" fontId="1" fillId="2" borderId="1" xfId="0" applyFont="1" '
            'applyFill="1" applyBorder="1"/>',
            '<xf numFmtId="0" fontId="2" fillId="0" borderId="0" xfId="0" applyFont="1"/>',
        ]
        xfs += [
            f'<xf numFmtId="{ids[code]}" fontId="0" fillId="0" borderId="0" xfId="0" '
            'applyNumberFormat="1"/>'
            for code in formats
        ]
        return (
            f'{HEAD}<styleSheet xmlns="{_MAIN}">'
            + (f'<numFmts count="{len(custom)}">{num_fmts}</numFmts>' if custom else "")
            + f'<fonts count="3"><font>{font.format(11)}</font><font><b/>{font.format(11)}</font>'
            f"<font><b/>{font.format(14)}</font></fonts>"
            '<fills count="3"><fill><patternFill patternType="none"/></fill>'
            '<fill><patternFill patternType="gray125"/></fill>'
            '<fill><patternFill patternType="solid"><fgColor rgb="FFD9E1F2"/>'
            '<bgColor indexed="64"/></patternFill></fill></fills>'
            '<borders count="2"><border><left/><right/><top/><bottom/><diagonal/></border>'
            '<border><left/><right/><top/><bottom style="thin"><color auto="1"/></bottom>'
            "<diagonal/></border></borders>"
            '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
            f'</cellStyleXfs><cellXfs count="{len(xfs)}">{"".join(xfs)}</cellXfs>'
            '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
            "</styleSheet>"
        )


@dataclass(frozen=True)
class Sheet:
    """A finished worksheet: its name, and its filter range when it has one."""

    name: str
    filter_range: str | None  # e.g. "$A$1:$J$100"


def dimension(columns: int, rows: int) -> str:
    """The used range of a sheet whose cells fill ``columns`` x ``rows`` from A1.

    >>> dimension(10, 123), dimension(1, 1)
    ('A1:J123', 'A1')
    """
    if columns == 1 and rows == 1:
        return "A1"  # as Excel writes a single cell
    return f"A1:{column_letter(columns - 1)}{rows}"


def sheet_head(
    used: str, widths: list[float] | None, header_row: int, freeze: bool, selected: bool
) -> str:
    """The worksheet up to and including ``<sheetData>``; ``used`` is its used range."""
    view = '<sheetView workbookViewId="0"' + (' tabSelected="1"' if selected else "")
    if freeze:
        cell = f"A{header_row + 1}"
        view += (
            f'><pane ySplit="{header_row}" topLeftCell="{cell}" activePane="bottomLeft" '
            f'state="frozen"/><selection pane="bottomLeft" activeCell="{cell}" '
            f'sqref="{cell}"/></sheetView>'
        )
    else:
        view += "/>"
    cols = ""
    if widths:
        cols = (
            "<cols>"
            + "".join(
                f'<col min="{i}" max="{i}" width="{w:g}" customWidth="1"/>'
                for i, w in enumerate(widths, 1)
            )
            + "</cols>"
        )
    return (
        f'{HEAD}<worksheet xmlns="{_MAIN}" xmlns:r="{_REL}"><dimension ref="{used}"/>'
        f"<sheetViews>{view}</sheetViews>"
        f'<sheetFormatPr defaultRowHeight="15"/>{cols}<sheetData>'
    )


def sheet_tail(filter_range: str | None) -> str:
    autofilter = f'<autoFilter ref="{filter_range.replace("$", "")}"/>' if filter_range else ""
    return f"</sheetData>{autofilter}</worksheet>"


def workbook(sheets: list[Sheet]) -> str:
    entries = "".join(
        f'<sheet name="{xml(s.name, True)}" sheetId="{i}" r:id="rId{i}"/>'
        for i, s in enumerate(sheets, 1)
    )
    names = "".join(
        f'<definedName name="_xlnm._FilterDatabase" localSheetId="{i}" hidden="1">'
        f"{xml(_quoted(s.name))}!{s.filter_range}</definedName>"
        for i, s in enumerate(sheets)
        if s.filter_range
    )
    return (
        f'{HEAD}<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><bookViews><workbookView/>'
        f"</bookViews><sheets>{entries}</sheets>"
        + (f"<definedNames>{names}</definedNames>" if names else "")
        + "</workbook>"
    )


def workbook_rels(sheet_count: int) -> str:
    rels = [
        (f"rId{i}", f"{_REL}/worksheet", f"worksheets/sheet{i}.xml")
        for i in range(1, sheet_count + 1)
    ]
    rels.append((f"rId{sheet_count + 1}", f"{_REL}/styles", "styles.xml"))
    return _relationships(rels)


def root_rels(properties: bool) -> str:
    rels = [("rId1", f"{_REL}/officeDocument", "xl/workbook.xml")]
    if properties:
        rels += [
            ("rId2", f"{_PKG_REL}/metadata/core-properties", "docProps/core.xml"),
            ("rId3", f"{_REL}/custom-properties", "docProps/custom.xml"),
        ]
    return _relationships(rels)


def content_types(sheet_count: int, properties: bool) -> str:
    parts = [("/xl/workbook.xml", f"{_CT}.sheet.main+xml"), ("/xl/styles.xml", f"{_CT}.styles+xml")]
    parts += [
        (f"/xl/worksheets/sheet{i}.xml", f"{_CT}.worksheet+xml") for i in range(1, sheet_count + 1)
    ]
    if properties:
        parts += [
            ("/docProps/core.xml", "application/vnd.openxmlformats-package.core-properties+xml"),
            (
                "/docProps/custom.xml",
                "application/vnd.openxmlformats-officedocument.custom-properties+xml",
            ),
        ]
    overrides = "".join(
        f'<Override PartName="{name}" ContentType="{kind}"/>' for name, kind in parts
    )
    return (
        f'{HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        f'<Default Extension="xml" ContentType="application/xml"/>{overrides}</Types>'
    )


def core_properties(title: str, query: str | None, created: dt.datetime) -> str:
    """Title, description (the query) and creation time, pinned for reproducible files."""
    stamp = created.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    description = f"<dc:description>{xml(query)}</dc:description>" if query else ""
    return (
        f'{HEAD}<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/'
        'metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"<dc:title>{xml(title)}</dc:title>{description}"
        f'<dcterms:created xsi:type="dcterms:W3CDTF">{stamp}</dcterms:created>'
        f'<dcterms:modified xsi:type="dcterms:W3CDTF">{stamp}</dcterms:modified>'
        "</cp:coreProperties>"
    )


def custom_properties(rows: int) -> str:
    """The row count, as a custom document property named ``rows``."""
    value = f"<vt:i4>{rows}</vt:i4>" if rows < 2**31 else f"<vt:r8>{rows}</vt:r8>"
    return (
        f'{HEAD}<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
        'custom-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/'
        'docPropsVTypes"><property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="2" '
        f'name="rows">{value}</property></Properties>'
    )


def _relationships(rels: list[tuple[str, str, str]]) -> str:
    body = "".join(
        f'<Relationship Id="{i}" Type="{t}" Target="{target}"/>' for i, t, target in rels
    )
    return f'{HEAD}<Relationships xmlns="{_PKG_REL}">{body}</Relationships>'


def _quoted(sheet_name: str) -> str:
    return "'" + sheet_name.replace("'", "''") + "'"
