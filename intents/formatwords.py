"""Every way people name a file format: a table of phrases, the ones we cannot make too.

Each entry is ``(pattern, format or None, name, kind, options-or-suggestion)``; the
finder in :mod:`intents.vocabulary` compiles them into one pattern. ``kind`` says how
firmly the phrase names a format: "plain" (the format's own name), "guarded" (also an
English word: counts only in a slot such as "as ..."), "inherent" (a phrase that only
ever means the format: "comma-separated", "something I can paste into a wiki", "on
paper"), "article" ("a report"). Order matters where two patterns start at the same
place: the longer phrase comes first.
"""

from __future__ import annotations

from exporters.formats import Format

__all__ = ["ENTRIES", "Entry"]

# (pattern, format or None, name, kind, options-or-suggestion)
# kind: "plain" (the format's own name), "guarded" (also an English word: counts only
# in a slot), "inherent" (a phrase that only ever means the format). Order matters
# where two patterns start at the same place: the longer phrase comes first.
Entry = tuple[str, Format | None, str, str, str]
_SUPPORTED: list[Entry] = [
    (
        r"new[- ]?line[- ]?delimited[- ]json|line[- ]delimited[- ]json|ld-?json|nd-?jsons?"
        r"|json[- ]?lines?|jsonl|json-l|json[- ]per[- ]line"
        r"|one[- ]json[- ](?:object|record|document|row)[- ]per[- ]line",
        Format.JSONL,
        "JSON Lines",
        "inherent",
        "",
    ),
    (
        r"(?:for|to)\s+(?:an?\s+)?(?:llm\s+|model\s+|ai\s+|gpt\s+)?fine[- ]?tun(?:e|ing)"
        r"|fine[- ]?tuning\s+(?:data(?:set)?|file|format|set)"
        r"|for\s+(?:an?\s+|the\s+)?(?:llm|model|ml|ai|gpt)\s+training"
        r"|for\s+training\s+(?:an?\s+)?(?:llm|model|ai|gpt|chatbot)s?",
        Format.JSONL,
        "JSON Lines",
        "inherent",
        "",
    ),
    (
        r"training\s+(?:data(?:sets?)?|sets?|files?|examples)(?:\s+for\s+(?:an?\s+)?(?:llm|model"
        r"|ai|gpt|chatbot|openai|machine\s+learning|ml)s?)?",
        Format.JSONL,
        "JSON Lines",
        "guarded",
        "",
    ),
    (
        r"tab[- ]?(?:separated|seperated|delimited)(?:\s+values?)?|tsvs?",
        Format.TSV,
        "TSV",
        "inherent",
        "",
    ),
    (
        r"semi-?colon[- ]?(?:separated|seperated|delimited)(?:\s+values?)?",
        Format.CSV,
        "CSV",
        "inherent",
        "delimiter=;",
    ),
    (
        r"pipe[- ]?(?:separated|seperated|delimited)(?:\s+values?)?",
        Format.CSV,
        "CSV",
        "inherent",
        "delimiter=|",
    ),
    (
        r"comma[- ]?(?:separated|seperated|delimited)(?:\s+values?)?",
        Format.CSV,
        "CSV",
        "inherent",
        "",
    ),
    (r"csvs?", Format.CSV, "CSV", "plain", ""),
    (
        r"(?:for|in|into|to)\s+google\s+sheets?|google\s+sheets?",
        Format.XLSX,
        "Excel",
        "inherent",
        "",
    ),
    (
        r"(?:ms\s+|microsoft\s+)?(?:excel|exell|excell|exel|excle)(?:\s+(?:spread)?sheets?"
        r"|\s+workbooks?)?"
        r"|xlsx|xlsm|xls|spread\s?sheets?|work\s?books?",
        Format.XLSX,
        "Excel",
        "plain",
        "",
    ),
    (r"sheet", Format.XLSX, "Excel", "guarded", ""),
    (
        r"(?:pretty(?:[- ]printed)?|indented|human[- ]readable)\s+json(?:\s+array)?",
        Format.JSON,
        "JSON",
        "inherent",
        "pretty=true",
    ),
    (r"jsons?(?:\s+(?:array|list))?", Format.JSON, "JSON", "plain", ""),
    (r"parquet|columnar", Format.PARQUET, "Parquet", "plain", ""),
    (
        r"print[- ](?:ready|friendly)|for\s+printing|printable|on\s+paper"
        r"|(?:a\s+|in\s+)?hard[- ]?copy"
        r"|paper\s+(?:copy|version)|print-?outs?|ready\s+to\s+print|for\s+(?:the\s+)?printer"
        r"|(?:(?:something|anything|a\s+\w+|one)\s+(?:that\s+)?)?(?:i|we|they|he|she)\s+can"
        r"\s+(?:easily\s+)?print(?:\s+out)?",
        Format.PDF,
        "PDF",
        "inherent",
        "",
    ),
    (r"pdfs?", Format.PDF, "PDF", "plain", ""),
    (
        r"an?\s+(?:(?!(?:the|this|that|excel|csv|tsv|json|jsonl|parquet|pdf|markdown|md|xlsx"
        r"|spreadsheet|word|html|xml)\b)[a-z]+\s+)?report",
        Format.PDF,
        "PDF",
        "article",
        "",
    ),
    (
        r"print(?:\s+out)?(?=\s+(?:this|it|these|those|that|them|the\s+(?:results?|table|rows|data"
        r"|list))\b)",
        Format.PDF,
        "PDF",
        "inherent",
        "",
    ),
    (
        r"(?:(?:an?\s+|the\s+)?(?:table|something|anything|text|one|version|thing)\s+"
        r"(?:that\s+)?)?(?:i|we|they|you)\s+can\s+(?:just\s+)?(?:copy\s+(?:and|&|n|\+)\s+)?"
        r"(?:paste|drop|put)\s+(?:straight\s+|right\s+|directly\s+)?(?:in|into|to|on|onto)\s+"
        r"(?:a\s+|an\s+|my\s+|our\s+|the\s+)?(?!(?:excel|sheets?|google|numbers|spreadsheets?"
        r"|word|powerpoint|e-?mail|terminal|python|pandas|r|sql|database)\b)[\w-]+"
        r"|(?:for|into)\s+(?:an?\s+|my\s+|our\s+|the\s+)?(?:github|gitlab|slack|notion"
        r"|confluence|discord|readme|wiki|jira|obsidian)(?:\s+(?:message|issue|pr|comment|page"
        r"|doc|post|channel|thread|wiki|ticket|card))?"
        r"|(?:github|gitlab|slack|notion|confluence|discord|readme|wiki|jira)[- ](?:table|message"
        r"|post|comment|friendly|ready|formatted|style|markup|syntax)",
        Format.MARKDOWN,
        "Markdown",
        "inherent",
        "",
    ),
    (r"markdown|mark\s+down", Format.MARKDOWN, "Markdown", "plain", ""),
    (r"md", Format.MARKDOWN, "Markdown", "guarded", ""),
]
_UNSUPPORTED: list[Entry] = [
    (
        r"(?:apple\s+)?numbers\s+(?:files?|format|spreadsheets?|docs?|documents?|app|workbooks?)"
        r"|apple\s+numbers|\.numbers|(?:apple\s+)?pages\s+(?:files?|docs?|documents?)",
        None,
        "an Apple Numbers or Pages file",
        "plain",
        "Excel (Numbers opens it) or PDF",
    ),
    (
        r"(?:ms\s+|microsoft\s+)?word\s+(?:documents?|docs?|files?)|docx|\.doc",
        None,
        "a Word document",
        "inherent",
        "PDF or Markdown",
    ),
    (r"(?:ms\s+|microsoft\s+)?word|docs?", None, "a Word document", "guarded", "PDF or Markdown"),
    (r"google\s+docs?", None, "a Google Doc", "inherent", "PDF or Markdown"),
    (r"xml", None, "XML", "plain", "JSON"),
    (
        r"html?(?:\s+(?:pages?|files?|tables?|documents?))?|web\s?pages?",
        None,
        "HTML",
        "plain",
        "Markdown or PDF",
    ),
    (
        r"power\s?points?|pptx?|keynote|slide\s?decks?|slides|presentation",
        None,
        "PowerPoint slides",
        "plain",
        "PDF",
    ),
    (r"png|jpe?g|gif|svg|webp|bmp|tiff?", None, "an image", "plain", "PDF"),
    (
        r"images?|pictures?|screenshots?|charts?|graphs?|plots?|photos?",
        None,
        "an image",
        "guarded",
        "PDF",
    ),
    (r"ya?ml", None, "YAML", "plain", "JSON"),
    (r"txt|plain\s+text|text\s+files?|text", None, "plain text", "guarded", "CSV or Markdown"),
    (
        r"rtf|odt|ods|open\s?document|libre\s?office|open\s?office|apple\s+numbers|latex|epub",
        None,
        "that kind of document",
        "plain",
        "PDF, Excel or Markdown",
    ),
    (
        r"avro|feather|arrow|hdf5|h5|pickle|pkl|orc|protobuf",
        None,
        "that data format",
        "guarded",
        "Parquet",
    ),
    (
        r"sql(?:\s+(?:dump|inserts?|insert\s+statements|file|script))?|sqlite(?:\s+(?:db|file|database))?"
        r"|database\s+file|stata|spss|sas|dta",
        None,
        "that file type",
        "guarded",
        "CSV or Parquet",
    ),
]
ENTRIES = _SUPPORTED + _UNSUPPORTED
