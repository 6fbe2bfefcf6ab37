"""Words asking for only the rows that are new since the last export.

"export the new orders since my last export", "only new rows", "just what's new since
last time", "send only new rows every Monday", "new records only", "incremental export".
:func:`find_only_new` returns the spans to blank: the "since my last export" phrase and
"only new rows", and the bare "new" of "the new orders" when such a phrase goes with
it, so "orders" stays the data asked for. "new" alone ("the new customers") is a word of
the question, never this option.

>>> low = "export the new orders since my last export"
>>> [low[a:b] for a, b in find_only_new(low)]
['the new ', 'since my last export']
>>> find_only_new("show the new customers from berlin")
[]
"""

from __future__ import annotations

import regex

__all__ = ["find_only_new"]

_ONLY = r"(?:only|just|onyl|olny|jsut|merely|solely)"
_NEW = r"(?:new|nwe|neww|newly\s+added|fresh)"
_ROWS = (
    r"(?:rows?|rwos|roes|records?|recrods|entries|entrys|ones|lines|items|data|stuff|additions"
    r"|bits|changes|results)"
)
_LAST = r"(?:last|lats|lst|previous|prev|prior|latest|most\s+recent)"
_EXPORT = (
    r"(?:export|exprot|exort|xport|expot|time|tiem|one|run|delivery|download|send|file"
    r"|report|e-?mail|batch|pull|extract|dump|sync|upload|check|csv|spreadsheet|sheet)s?"
)
_SINCE = r"(?:since|sinse|snce|sicne|after)"
_WHATS_NEW = (
    r"(?:what(?:'s|s|\s+is|\s+has\s+been\s+added|\s+was\s+added|\s+came\s+in)|whats"
    r"|anything|everything|all\s+that(?:'s|\s+is))\s+new"
)

# "since my last export", "since last time", "since I last exported", "since the previous
# one", "that came in since my last export".
_SINCE_LAST = regex.compile(
    rf"(?:\b(?:that\s+(?:came\s+in|(?:were|was|have\s+been|got)\s+added|are\s+new)\s+))?"
    rf"\b{_SINCE}\s+(?:(?:my|our|the|your|yr)\s+)?{_LAST}\s+{_EXPORT}\b"
    rf"|\b{_SINCE}\s+(?:i|we|you)\s+{_LAST}\s+(?:exported|downloaded|pulled|checked|asked"
    rf"|looked|ran\s+it|got\s+it|sent\s+it)\b"
)
# "only new rows", "just the new ones", "new records only", "only what's new", "incremental"
_ONLY_NEW = regex.compile(
    rf"\b{_ONLY}\s+(?:the\s+)?{_NEW}\s+{_ROWS}\b"
    rf"|\b(?:the\s+)?{_NEW}\s+{_ROWS}\s+{_ONLY}\b"
    rf"|\b{_ONLY}\s+(?:send\s+|export\s+|give\s+me\s+)?{_WHATS_NEW}\b"
    rf"|\b{_WHATS_NEW}\s+{_ONLY}\b"
    rf"|\b(?:{_ONLY}\s+)?the\s+{_NEW}\s+{_ROWS}\b(?=.*\b{_SINCE}\b)"
    rf"|\b{_WHATS_NEW}\b(?=\s+{_SINCE}\b)"
    rf"|\bincremental(?:ly)?\b(?:\s+(?:export|update|load))?"
    rf"|\bdelta\s+(?:export|only)\b|\bonly\s+the\s+delta\b"
)
# The "new" of "the new orders since my last export": blanked only with a phrase above.
_BARE_NEW = regex.compile(rf"(?:\b{_ONLY}\s+)?(?:\bthe\s+)?\b{_NEW}\s+(?=[a-z])")


def find_only_new(low: str) -> list[tuple[int, int]]:
    """The spans of ``low`` (a lower-cased message) that ask for only new rows; empty
    when it does not."""
    spans = [found.span() for found in _ONLY_NEW.finditer(low)]
    spans += [found.span() for found in _SINCE_LAST.finditer(low)]
    if not spans:
        return []
    start = min(a for a, _ in spans)
    taken = [(a, b) for a, b in spans]
    for found in _BARE_NEW.finditer(low, 0, start if start > 0 else len(low)):
        if not any(a <= found.start() < b for a, b in taken):
            taken.append(found.span())
            break  # the first "new" before the phrase: "the new orders"
    return sorted(taken)
