"""How a CSV or TSV file is written, in words.

"csv with semicolons", "separated by ;", "pipe-delimited", "semicolons as the separator"
→ ``delimiter``; "decimal commas", "comma as decimal separator" → ``decimal_separator``;
"with BOM", "no byte order mark" → ``bom``; "latin-1", "encoded as utf-16" →
``encoding``; "with double quotes everywhere", "quote all fields" → ``quoting``;
"without a header row" → ``header``; "unix line endings" → ``line_terminator``;
"nulls as N/A" → ``null``.

"for German (or European...) Excel" is the preset such a program opens as intended:
semicolons, decimal commas and a BOM. "for Excel on Windows" (and "Excel-friendly") adds
the BOM only when a CSV or TSV file is asked for; alone, Excel is the format itself.

A delimiter, decimal separator or encoding we cannot write ("separated by colons",
"windows-1252") is kept as an unsupported ask, so the reply can say it was not done.
"""

from __future__ import annotations

import regex

from exporters.formats import Format
from intents.option_words.found import Reading, typo
from intents.vocabulary import find_formats

__all__ = ["find_delimited"]

_A = r"(?:(?:an?|the|some)\s+)?"
_SEMI = r"(?:(?<![a-z])s(?:emi[- ]?colons?){e<=2}(?![a-z]))"
_DELIM = (
    r"(?P<d>[\"'`](?:;|,|\||\\t|:|#|~|\^|/)[\"'`]|(?<![\w;,|:])(?:;|\||\\t)(?![\w;|])"
    rf"|{_SEMI}|commas?|tabs?(?:\s+characters?)?|tabulators?"
    r"|pipes?(?:\s+(?:characters?|symbols?|signs?))?|vertical\s+(?:bars?|lines?)"
    r"|colons?|spaces?|whitespace|hash(?:es|tags?)?|tildes?|carets?|slash(?:es)?"
    r"|dashes|hyphens|underscores|(?<![\w;,|])[:#~^/](?![\w;|]))"
)
_SEPARATED = rf"(?:{typo('separated')}|{typo('delimited')}|split|divided)"
_NOUN = (
    rf"(?:(?:field|column|value)\s+)?(?:{typo('delimiter', plural=True)}"
    rf"|{typo('separator', plural=True)}|sep"
    r"|delim)\b"
)
_SUBJECT = (
    r"(?:\b(?:the\s+|all\s+|its\s+)?(?:columns?|fields?|values?|cells?)\s+(?:are\s+|is\s+"
    r"|get\s+|should\s+be\s+|to\s+be\s+)?)?"
)
_INSTEAD = r"(?:,?\s+(?:instead\s+of|not|rather\s+than)\s+(?:the\s+)?(?:commas?|tabs?|,))?"
_DELIMITERS = [
    regex.compile(
        rf"{_SUBJECT}\b{_SEPARATED}\s+(?:by|with|using|on)\s+{_A}{_DELIM}(?:\s+(?:characters?"
        rf"|signs?|symbols?))?{_INSTEAD}"
    ),
    regex.compile(rf"(?:(?:with|using|use|uses)\s+)?{_A}{_DELIM}\s+as\s+(?:the\s+|a\s+)?{_NOUN}"),
    regex.compile(rf"\b(?:with|using|use|uses)\s+{_A}{_DELIM}\s+{_NOUN}"),
    regex.compile(
        rf"\b{_NOUN}\s*(?:=|:|is|of|as|set\s+to|should\s+be|must\s+be|being)?\s*{_A}{_DELIM}"
    ),
    regex.compile(rf"{_DELIM}[- ]?(?:{_SEPARATED}|{_NOUN})(?:\s+values?)?"),
    regex.compile(rf"\b(?:with|using|use)\s+{_A}(?P<d>{_SEMI}|pipes|commas)\b{_INSTEAD}"),
    regex.compile(r"\b(?P<d>" + _SEMI + r"|pipe)[- ]?(?=(?:csv|file|export)\b)"),
]
_DELIMITER_NAMES: list[tuple[str, str]] = [
    (";", _SEMI + r"|;"),
    (",", r"commas?|,"),
    ("\t", r"tabs?(?:\s+characters?)?|tabulators?|\\t"),
    ("|", r"pipes?(?:\s+\w+)?|vertical\s+\w+|\|"),
]
_SUPPORTED_DELIMITERS = "commas, semicolons, tabs or pipes"
# Formats offered as alternatives ("x or y", "x/y", "either x or y").
_ALTERNATIVES = regex.compile(r"\bor\b|\beither\b|\w\s*/\s*\w")


def _delimiter(word: str) -> str | None:
    bare = word.strip("\"'`")
    for char, pattern in _DELIMITER_NAMES:
        if regex.fullmatch(pattern, bare):
            return char
    return None


def _find_delimiter(reading: Reading) -> None:
    for pattern in _DELIMITERS:
        for found in reading.each(pattern):
            word = found.group("d")
            char = _delimiter(word)
            if char is None:
                ask = f"{word.strip()} as the delimiter (I can use {_SUPPORTED_DELIMITERS})"
                reading.take(found.span(), unsupported=ask)
                continue
            implies = Format.TSV if char == "\t" else Format.CSV
            # "csv, tab-separated": an option of the CSV named, not a second format; but
            # "tab separated or a JSON file" offers two formats, and the rules ask which
            alone = not _formats_outside(reading, found.span()) or bool(
                _ALTERNATIVES.search(reading.low)
            )
            options = {"delimiter": char}
            reading.take(found.span(), options=options, implies=implies, names_format=alone)


_COMMA_OR_POINT = r"(?P<v>commas?|points?|dots?|periods?|full\s+stops?|[\"']?[,.][\"']?)"
_MARK = rf"(?:{typo('separator', plural=True)}|marks?|signs?|symbols?)"
_DECIMALS = [
    regex.compile(
        rf"(?:\b(?:with|using|use)\s+)?{_A}{_COMMA_OR_POINT}\s+(?:as|for)\s+(?:the\s+)?"
        rf"{typo('decimal', plural=True)}(?:\s+(?:{_MARK}|points?))?"
    ),
    regex.compile(
        rf"\b(?:(?:with|using|use)\s+)?{_A}{typo('decimal')}\s+(?P<v>commas?|points?|dots?)\b"
    ),
    regex.compile(
        rf"\b{typo('decimal')}\s+{_MARK}\s*(?:=|:|is|of|as"
        rf"|set\s+to|should\s+be|being)?\s*{_A}{_COMMA_OR_POINT}"
    ),
    regex.compile(
        r"(?:\bin\s+)?\b(?P<v>german|european|continental|eu)\s+(?:number|decimal|numeric)s?"
        r"(?:\s+(?:format(?:ting)?|style|notation))?"
    ),
]


_COMMA_COUNTRIES = frozenset({"german", "european", "continental", "eu"})


def _find_decimal(reading: Reading) -> None:
    for pattern in _DECIMALS:
        for found in reading.each(pattern):
            value = found.group("v")
            comma = "comma" in value or "," in value or value in _COMMA_COUNTRIES
            reading.take(found.span(), options={"decimal_separator": "," if comma else "."})


_BOM = r"(?:utf-?8\s+)?(?:bom|byte[- ]order[- ]marks?)"
_BOM_OFF = regex.compile(
    r"\b(?:without|no|skip(?:ping)?|omit(?:ting)?|drop|remove|(?:don'?t|do\s+not)\s+(?:add"
    rf"|include|write|put))\s+(?:an?\s+|the\s+|any\s+)?{_BOM}\b|\bbom[- ]?less\b"
    r"|\bbom\s*[=:]\s*(?:false|off|no)\b"
)
_BOM_ON = regex.compile(
    r"(?:\b(?:with|add|adding|include|including|plus|and|put|prepend|write)\s+)?"
    rf"(?:an?\s+|the\s+)?\b{_BOM}\b(?:\s*[=:]\s*(?:true|on|yes)\b)?"
)

_REGION = (
    r"(?:german|germany|european|europe|eu|continental|french|france|dutch|italian|spanish"
    r"|portuguese|austrian|belgian|danish|norwegian|swedish|finnish|polish|czech|russian"
    r"|brazilian|turkish|greek)"
)
_EXCEL = r"(?:(?:ms|microsoft)\s+)?(?:excel|exel|excell|excle)"
_FOR = (
    r"(?:(?:for|in|into|to\s+(?:open|use|load)\s+in|that\s+opens?\s+(?:correctly\s+|properly\s+"
    r"|fine\s+)?in|opening\s+in|compatible\s+with|working\s+(?:in|with)|so\s+(?:it\s+)?opens?"
    r"\s+(?:correctly\s+|properly\s+)?in)\s+)"
)
_REGIONAL_EXCEL = regex.compile(
    rf"{_FOR}?(?:an?\s+|the\s+)?\b{_REGION}(?:[- ]language)?[- ]{_EXCEL}\b(?:\s+(?:users?"
    r"|installs?|installations?|versions?|settings|locale))?"
    rf"|{_FOR}?(?:an?\s+|the\s+)?\b{_EXCEL}\s+(?:in|with|set\s+to|using)\s+(?:an?\s+|the\s+)?"
    rf"{_REGION}\b(?!\s+(?:dates?|numbers?|time|formats?)\b)(?:\s+(?:locale|settings|language"
    r"|regional\s+settings|version))?"
)
_MY_EXCEL = regex.compile(
    rf"\b(?:my|our|the\s+user'?s|their)\s+{_EXCEL}\s+(?:is|runs|speaks)\s+(?:in\s+)?{_REGION}\b"
)
_WINDOWS_EXCEL = regex.compile(
    rf"\bthat\s+(?:my\s+|our\s+)?{_EXCEL}(?:\s+(?:on|for)\s+(?:my\s+|our\s+|an?\s+)?(?:windows"
    r"|pc|mac|macbook))?\s+(?:can|will|could|would)\s+(?:open|read|import)\b"
    rf"|{_FOR}\b{_EXCEL}\b(?:\s+(?:on|for|under)\s+(?:windows|an?\s+pc|pc|mac|macos|macs))?"
    rf"|{_FOR}?\b(?:windows|pc)\s+{_EXCEL}\b|\b{_EXCEL}[- ](?:friendly|compatible|ready|safe)\b"
)
_GERMAN_EXCEL = {"delimiter": ";", "decimal_separator": ",", "bom": True}


def _formats_outside(reading: Reading, span: tuple[int, int]) -> set[Format]:
    return {
        hit.format
        for hit in find_formats(reading.low)
        if hit.format is not None
        and not hit.negated
        and not (span[0] <= hit.span[0] and hit.span[1] <= span[1])
    }


def _find_excel(reading: Reading) -> None:
    for found in [*reading.each(_MY_EXCEL), *reading.each(_REGIONAL_EXCEL)]:
        named = _formats_outside(reading, found.span())
        if Format.XLSX in named:  # "as xlsx for German Excel": a workbook needs nothing more
            reading.take(found.span())
            continue
        options = dict(_GERMAN_EXCEL)
        if Format.TSV in named:
            del options["delimiter"]
        reading.take(found.span(), options=options, implies=Format.CSV)
    for found in reading.each(_WINDOWS_EXCEL):
        named = _formats_outside(reading, found.span())
        if named & {Format.CSV, Format.TSV} and Format.XLSX not in named:
            reading.take(found.span(), options={"bom": True})


def _find_bom(reading: Reading) -> None:
    for found in reading.each(_BOM_OFF):
        reading.take(found.span(), options={"bom": False}, implies=Format.CSV)
    for found in reading.each(_BOM_ON):
        reading.take(found.span(), options={"bom": True}, implies=Format.CSV)


_ENCODINGS = {
    "utf-8": r"utf-?8|unicode",
    "utf-16": r"utf-?16(?:-?[lb]e)?|ucs-?2",
    "latin-1": r"latin-?1|iso[- _]?8859-?1|iso[- ]latin-?1|western\s+european",
}
_SIG = r"utf-?8-?sig"
_KNOWN = r"utf-?8|utf-?16(?:-?[lb]e)?|ucs-?2|latin-?1|iso[- _]?8859-?1|iso[- ]latin-?1"
_OTHER = (
    r"(?:windows|win|cp|code\s*page)[- ]?125[0-8]|cp-?\d{3,4}|utf-?32|shift[-_ ]?jis|sjis"
    r"|euc-?(?:jp|kr)|gb2312|gbk|gb18030|big-?5|koi8-?[ru]|mac[- ]?roman"
    r"|iso[- _]?8859-?(?:1[0-6]|[2-9])|latin-?(?:[2-9]|10)|ebcdic"
)
_WORDY = r"ascii|us-ascii|ansi|unicode|western\s+european"
_ENCODING_WORD = rf"(?:{typo('encoded')}|{typo('encoding')}|charset|character\s+set)"
_ENCODING_ASKS = [
    regex.compile(
        rf"(?:\b{_ENCODING_WORD}\s*(?:=|:|as|in|with|using|of|is|set\s+to|should\s+be)?\s*"
        rf"|\b(?:in|as|with|using|to)\s+)?(?:the\s+)?(?<![\w-])(?P<e>{_SIG}|{_KNOWN}|{_OTHER})"
        rf"(?![\w])(?:[- ]{_ENCODING_WORD})?"
    ),
    regex.compile(
        rf"\b{_ENCODING_WORD}\s*(?:=|:|as|in|with|using|of|is|set\s+to)?\s*(?:the\s+)?"
        rf"(?P<e>{_WORDY})\b|\b(?:in|as|to)\s+(?:plain\s+)?(?P<e>{_WORDY})[- ](?:only"
        rf"|{_ENCODING_WORD}|text|characters)\b|\b(?P<e>{_WORDY})[- ](?:{_ENCODING_WORD}|only)\b"
    ),
    regex.compile(
        rf"\b{_ENCODING_WORD}\s*(?:=|:|as|in|with|using|of|is|set\s+to)?\s*"
        r"(?P<e>(?!(?:the|it|this|that|and|as|please|for|of|to)\b)[a-z][\w-]{2,})"
    ),
]


def _find_encoding(reading: Reading) -> None:
    for pattern in _ENCODING_ASKS:
        for found in reading.each(pattern):
            name = found.group("e")
            if regex.fullmatch(_SIG, name):
                options: dict[str, object] = {"encoding": "utf-8", "bom": True}
                reading.take(found.span(), options=options, implies=Format.CSV)
                continue
            known = [key for key, spelled in _ENCODINGS.items() if regex.fullmatch(spelled, name)]
            if known:
                reading.take(found.span(), options={"encoding": known[0]}, implies=Format.CSV)
                continue
            closest = "; Latin-1 comes closest" if regex.search(r"125|ansi", name) else ""
            ask = f"{name} encoding (I can write UTF-8, UTF-16 or Latin-1{closest})"
            reading.take(found.span(), unsupported=ask)


_FIELDS = r"(?:fields?|values?|cells?|columns?|entries|strings|items)"
_QUOTING: list[tuple[str | None, regex.Pattern[str]]] = [
    (
        None,
        regex.compile(
            r"\b(?:in\s+|with\s+|using\s+)?single[- ]quot(?:es?|ed|ing|ation\s+marks?)"
            r"|\bquoted\s+with\s+(?:apostrophes|backticks)|\bbacktick[- ]quot\w*"
        ),
    ),
    (
        "none",
        regex.compile(
            r"\b(?:no|without(?:\s+any)?)\s+(?:quot(?:es|ing|ation\s+marks)|double\s+quotes)"
            r"(?:\s+(?:around|on|for)\s+(?:the\s+)?(?:values|fields|cells|strings|text|anything))?"
            r"|\b(?:never|don'?t|do\s+not)\s+quote(?:\s+anything)?\b|\bunquoted\b"
            r"|\bquoting\s*[=:]\s*none\b"
        ),
    ),
    (
        "nonnumeric",
        regex.compile(
            rf"\bquot(?:e|ing)\s+(?:only\s+)?(?:the\s+)?(?:non-?numeric|text|string)s?(?:\s+{_FIELDS})?"
            rf"|\b(?:text|non-?numeric|string)\s+{_FIELDS}\s+(?:in\s+)?(?:double[- ])?quot(?:ed|es)"
            r"|\bquoting\s*[=:]\s*non-?numeric\b"
        ),
    ),
    (
        "minimal",
        regex.compile(
            r"\b(?:minimal|normal|standard)\s+quoting\b|\b(?:only\s+)?quot(?:e|ing)\s+(?:only\s+)?"
            r"(?:when|where|if)\s+(?:needed|necessary|required)\b|\bquoting\s*[=:]\s*minimal\b"
        ),
    ),
    (
        "all",
        regex.compile(
            rf"(?:\b(?:with|using|and|plus|put)\s+)?(?:double[- ])?quot(?:es|ation\s+marks)\s+"
            rf"(?:around\s+|on\s+)?(?:everything|everywhere|all\s+(?:the\s+)?{_FIELDS}|every\s+\w+"
            rf"|each\s+\w+)\b|\bquote\s+(?:all|every|each)\s+(?:the\s+)?(?:\w+)|\bquote\s+everything"
            rf"|\b(?:all|every|each)\s+(?:the\s+)?{_FIELDS}\s+(?:(?:is|are|being|gets?)\s+)?"
            r"(?:in\s+)?(?:double[- ])?quot(?:ed|es)"
            rf"|\b(?:always|fully)[- ]quot(?:ed|e)\b|\bforced?\s+quot(?:es|ing)\b|\bquoting\s*[=:]"
            rf"\s*all\b|\bwrap\s+(?:all|every|each)\s+(?:\w+\s+)?in\s+(?:double\s+)?quotes"
            rf"|\beverything\s+(?:in\s+)?(?:double[- ])?quot(?:ed|es)"
        ),
    ),
]


def _find_quoting(reading: Reading) -> None:
    for quoting, pattern in _QUOTING:
        for found in reading.each(pattern):
            if quoting is None:
                ask = "single quotes (CSV fields are quoted with double quotes)"
                reading.take(found.span(), unsupported=ask)
            else:
                reading.take(found.span(), options={"quoting": quoting}, implies=Format.CSV)


_HEADER = r"(?:column\s+)?(?:header\s+(?:row|line)|headers?|headings?|column\s+names)(?:\s+row)?"
_NO_HEADER = regex.compile(
    r"\b(?:without|no|skip(?:ping)?|drop(?:ping)?|omit(?:ting)?|exclude|minus|leave\s+(?:out|off)"
    r"|remove|(?:don'?t|do\s+not)\s+(?:include|add|write|want|need))\s+(?:an?\s+|the\s+|any\s+)?"
    rf"{_HEADER}\b|\bheaderless\b|\bheader\s*[=:]\s*(?:false|no|off)\b"
)
_WITH_HEADER = regex.compile(
    r"\b(?:with|include|including|keep|plus)\s+(?:an?\s+|the\s+)?(?:header\s+row|headers?)\b"
)
_LINE_END = r"(?:line[- ]?(?:endings?|breaks?|terminators?|feeds?)|newlines?|eols?)"
_LINE_ENDINGS = [
    ("lf", regex.compile(rf"\b(?:unix|linux|macos|mac|lf|\\n)(?:[- ]style)?\s+{_LINE_END}\b")),
    ("crlf", regex.compile(rf"\b(?:windows|dos|crlf|\\r\\n)(?:[- ]style)?\s+{_LINE_END}\b")),
    ("lf", regex.compile(rf"\b{_LINE_END}\s*(?:=|:|as|in)?\s*(?:lf|\\n|unix|linux)\b")),
    ("crlf", regex.compile(rf"\b{_LINE_END}\s*(?:=|:|as|in)?\s*(?:crlf|\\r\\n|windows|dos)\b")),
]
_NULLS = (
    r"(?:nulls?|null\s+values|empty\s+(?:values|cells|fields)|missing\s+(?:values|data|cells)"
    r"|blanks)"
)
_NULL_TEXT = (
    r"(?P<q>\"[^\"]*\"|'[^']*')|(?P<v>null|n/?a|none|nil|nan|-+|\?|0|empty|blank|nothing"
    r"|\\n|\\?n)(?![\w/])"
)
_NULL_AS = [
    regex.compile(
        rf"\b{_NULLS}\s+(?:as|shown\s+as|written\s+as|replaced\s+(?:with|by)|should\s+be|=|:)\s*"
        rf"(?:an?\s+)?(?:{_NULL_TEXT})"
    ),
    regex.compile(
        rf"\b(?:write|show|use|put|print|fill(?:\s+in)?)\s+(?:{_NULL_TEXT})\s+(?:for|in\s+place\s+of"
        rf"|instead\s+of)\s+(?:the\s+)?{_NULLS}"
    ),
]


def _find_layout(reading: Reading) -> None:
    for found in reading.each(_NO_HEADER):
        reading.take(found.span(), options={"header": False})
    for found in reading.each(_WITH_HEADER):
        reading.take(found.span(), options={"header": True})
    for value, pattern in _LINE_ENDINGS:
        for found in reading.each(pattern):
            reading.take(found.span(), options={"line_terminator": value})
    for pattern in _NULL_AS:
        for found in reading.each(pattern):
            start = found.start("q")
            if start >= 0:
                text = reading.text[start + 1 : found.end("q") - 1]
            else:
                text = reading.text[found.start("v") : found.end("v")]
                text = "" if text.lower() in ("empty", "blank", "nothing") else text
            reading.take(found.span(), options={"null": text})


def find_delimited(reading: Reading) -> None:
    """Read CSV/TSV writing options in ``reading`` (the order matters: longer asks first)."""
    _find_excel(reading)
    _find_decimal(reading)
    _find_bom(reading)  # "the UTF-8 BOM" is no encoding ask
    _find_encoding(reading)
    _find_quoting(reading)
    _find_delimiter(reading)
    _find_layout(reading)
