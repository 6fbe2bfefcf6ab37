"""What SQLite and PostgreSQL read in a query's text: a lexer per database, after SQLite's
``tokenize.c`` (3.40) and PostgreSQL's ``scan.l`` (15), cut down to what decides where a
piece of text starts and ends (spaces, comments, quoted strings and names, numbers,
parameters; everything else is one-character punctuation).

The guard (:mod:`exporters.guard`) runs the user's own text, so it must split it as the
database does: :func:`agree_with_sqlglot` refuses text where sqlglot's tokens and the
database's pieces could differ, and :func:`without_comments` is the text that runs.
"""

from __future__ import annotations

import re
import string
from itertools import pairwise
from typing import NamedTuple

from sqlglot.tokenizer_core import Token, TokenType

from exporters.errors import QueryRejected


class Lexeme(NamedTuple):
    kind: str  # SPACE, COMMENT, WORD ... below
    start: int
    end: int  # exclusive


SPACE, COMMENT, WORD, QUOTED, NUMBER, PARAM, PUNCT = (
    "space", "comment", "word", "quoted", "number", "param", "punct",
)  # fmt: skip
NOT_CODE = (SPACE, COMMENT)


def _letters_and(extra: str) -> str:
    """A class of A-Z, a-z, ``_``, ``extra`` and every non-ASCII character (both databases
    read those as letters), written as the ASCII it leaves out: ``re`` takes ~10 ms a
    pattern to compile a range up to U+10FFFF, 40 ms of every start-up."""
    allowed = {*string.ascii_letters, "_", *extra}
    return "[^" + "".join(f"\\x{c:02x}" for c in range(128) if chr(c) not in allowed) + "]"


_ID_START = _letters_and("")
_ID_CONT = _letters_and("0123456789$")
_SPACES = re.compile(r"[ \t\n\f\r]+")  # SQLite's and PostgreSQL's; \v and Unicode are not
_WORD_RE = re.compile(f"{_ID_START}{_ID_CONT}*")
_SINGLE_QUOTED = re.compile(r"'(?:[^']++|'')*+'?")  # '' is a quote; no backslash escapes
_DOUBLE_QUOTED = re.compile(r'"(?:[^"]++|"")*+"?')
_BACKQUOTED = re.compile(r"`(?:[^`]++|``)*+`?")
_DIGITS = re.compile("[0-9]*")
_SQLITE_NUMBER = re.compile(
    rf"0[xX][0-9A-Fa-f]+|(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?{_ID_CONT}*"
)
# PostgreSQL: `1..5` is 1 then `..`; letters right after a number are an error (kept whole).
_PG_NUMBER = re.compile(
    rf"[0-9]+(?=\.\.)|(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
    rf"(?:{_ID_START}{_ID_CONT}*)?"
)
_PG_LINE_COMMENT = re.compile(r"--[^\n\r]*")  # to a \n or a \r
_PG_PARAM = re.compile(rf"\$[0-9]+(?:{_ID_START}{_ID_CONT}*)?")
_PG_DOLLAR = re.compile(rf"\$(?:{_ID_START}{_letters_and('0123456789')}*)?\$")
_PG_E_STRING = re.compile(r"[eE]'(?:[^'\\]++|''|\\.)*+'?", re.DOTALL)
_PG_BIT_STRING = re.compile(r"[bBxX]'[^']*+'?")


def _lex_sqlite(sql: str) -> list[Lexeme]:
    out: list[Lexeme] = []
    i, n = 0, len(sql)
    while i < n:
        c, start = sql[i], i
        if m := _SPACES.match(sql, i):
            kind, i = SPACE, m.end()
        elif sql.startswith("--", i):
            end = sql.find("\n", i)
            kind, i = COMMENT, n if end < 0 else end
        elif sql.startswith("/*", i) and i + 2 < n:  # unclosed at the end is still a comment
            end = sql.find("*/", i + 2)
            kind, i = COMMENT, n if end < 0 else end + 2
        elif c in "'\"`":
            quoted = {"'": _SINGLE_QUOTED, '"': _DOUBLE_QUOTED, "`": _BACKQUOTED}[c]
            kind, i = QUOTED, _match_end(quoted, sql, i)
        elif c == "[":
            end = sql.find("]", i)
            kind, i = QUOTED, n if end < 0 else end + 1
        elif c in "xX" and sql.startswith("'", i + 1):  # a blob: x'..' up to the next quote
            end = sql.find("'", i + 2)
            kind, i = QUOTED, n if end < 0 else end + 1
        elif m := _WORD_RE.match(sql, i):
            kind, i = WORD, m.end()
        elif m := _SQLITE_NUMBER.match(sql, i):
            kind, i = NUMBER, m.end()
        elif c == "?":
            kind, i = PARAM, _match_end(_DIGITS, sql, i + 1)
        elif c in "$@#:":
            kind, i = PARAM, _sqlite_variable_end(sql, i)
        else:
            kind, i = PUNCT, i + 1
        out.append(Lexeme(kind, start, i))
    return out


def _sqlite_variable_end(sql: str, i: int) -> int:
    """SQLite's $name, @name, :name, #name, with Tcl's `::` parts and a `(...)` suffix."""
    n, j, letters = len(sql), i + 1, 0
    while j < n:
        c = sql[j]
        if (c.isalnum() and c.isascii()) or c in "_$" or not c.isascii():
            letters, j = letters + 1, j + 1
        elif c == "(" and letters:
            j += 1
            while j < n and sql[j] not in " \t\n\v\f\r)":
                j += 1
            return j + 1 if j < n and sql[j] == ")" else j
        elif c == ":" and sql.startswith(":", j + 1):
            j += 2
        else:
            break
    return j


def _lex_postgres(sql: str) -> list[Lexeme]:
    # '...' is read with standard_conforming_strings on (backslashes are plain characters),
    # which the PostgreSQL source sets on every connection; E'...' takes backslash escapes.
    out: list[Lexeme] = []
    i, n = 0, len(sql)
    while i < n:
        c, start = sql[i], i
        if m := _SPACES.match(sql, i):
            kind, i = SPACE, m.end()
        elif sql.startswith("--", i):
            kind, i = COMMENT, _match_end(_PG_LINE_COMMENT, sql, i)
        elif sql.startswith("/*", i):
            end = sql.find("*/", i + 2)
            end = n if end < 0 else end + 2
            if sql.find("/*", i + 2, end) >= 0:
                _refuse_at(
                    sql, i, "it has a comment inside a comment, which PostgreSQL nests",
                    "remove the inner /*",
                )  # fmt: skip
            kind, i = COMMENT, end
        elif c in "uU" and sql.startswith(("&'", '&"'), i + 1):
            _refuse_at(sql, i, "it has a U&'...' escape", "write the characters themselves")
        elif c == "'" or (c in "nN" and sql.startswith("'", i + 1)):
            kind, i = QUOTED, _match_end(_SINGLE_QUOTED, sql, i + (c != "'"))
        elif c in "eE" and sql.startswith("'", i + 1):
            kind, i = QUOTED, _match_end(_PG_E_STRING, sql, i)
        elif c in "bBxX" and sql.startswith("'", i + 1):
            kind, i = QUOTED, _match_end(_PG_BIT_STRING, sql, i)
        elif c == '"':
            kind, i = QUOTED, _match_end(_DOUBLE_QUOTED, sql, i)
        elif m := _PG_DOLLAR.match(sql, i):
            end = sql.find(m.group(), m.end())
            kind, i = QUOTED, n if end < 0 else end + len(m.group())
        elif m := _PG_PARAM.match(sql, i):
            kind, i = PARAM, m.end()
        elif m := _WORD_RE.match(sql, i):
            kind, i = WORD, m.end()
        elif m := _PG_NUMBER.match(sql, i):
            kind, i = NUMBER, m.end()
        else:
            kind, i = PUNCT, i + 1
        out.append(Lexeme(kind, start, i))
    return out


LEXERS = {"sqlite": _lex_sqlite, "postgres": _lex_postgres}
_DATABASES = {"sqlite": "SQLite", "postgres": "PostgreSQL"}


def _match_end(pattern: re.Pattern[str], sql: str, i: int) -> int:
    m = pattern.match(sql, i)
    return m.end() if m else i + 1


# sqlglot token types whose text is quoted content: each must be one quoted piece (or a
# number: sqlglot keeps SQLite's 0x1F as a hex string) with the same bounds.
_CONTENT_TOKENS = frozenset(
    t for t in TokenType if t.name.endswith("STRING") or t.name == "IDENTIFIER"
)


def agree_with_sqlglot(sql: str, lexemes: list[Lexeme], tokens: list[Token], dialect: str) -> None:
    """Refuse unless sqlglot's tokens and the database's pieces cut the text the same way."""
    # sqlglot skips every Unicode space; the databases read them as letters (SQLite and
    # PostgreSQL) or, for SQLite, read a byte order mark as a space.
    for lexeme in lexemes:
        if lexeme.kind not in (SPACE, COMMENT, QUOTED):
            text = sql[lexeme.start : lexeme.end]
            if not (text.isascii() and text.isprintable()):
                for offset, char in enumerate(text):
                    if char.isspace() or char == "\ufeff":
                        _refuse_at(
                            sql, lexeme.start + offset,
                            f"it has an unusual space character (U+{ord(char):04X}) outside "
                            "quotes", "use an ordinary space",
                        )  # fmt: skip
    database = _DATABASES[dialect]
    owner = [0] * len(sql)
    for index, lexeme in enumerate(lexemes):
        owner[lexeme.start : lexeme.end] = [index] * (lexeme.end - lexeme.start)
    covered = bytearray(len(sql))
    for token in tokens:
        start, end = token.start, token.end + 1
        if end <= start:
            continue
        pieces = lexemes[owner[start] : owner[end - 1] + 1]
        if not _token_fits(token, start, end, pieces):
            _refuse_differs(sql, start, database)
        covered[start:end] = b"\x01" * (end - start)
    for lexeme in lexemes:
        if lexeme.kind not in NOT_CODE and covered.find(0, lexeme.start, lexeme.end) >= 0:
            _refuse_differs(sql, covered.find(0, lexeme.start, lexeme.end), database)


def _token_fits(token: Token, start: int, end: int, pieces: list[Lexeme]) -> bool:
    """Whether one sqlglot token lines up with the database's pieces of text."""
    kinds = {piece.kind for piece in pieces}
    exact = len(pieces) == 1 and (pieces[0].start, pieces[0].end) == (start, end)
    if token.token_type in _CONTENT_TOKENS:
        return exact and pieces[0].kind in (QUOTED, NUMBER)
    if COMMENT in kinds:
        return False
    if SPACE in kinds:  # a keyword of several words: ORDER BY, UNION ALL ...
        return (
            kinds == {WORD, SPACE}
            and (pieces[0].kind, pieces[-1].kind) == (WORD, WORD)
            and (pieces[0].start, pieces[-1].end) == (start, end)
        )
    if kinds & {WORD, QUOTED}:
        return exact
    return True  # numbers, parameters and punctuation may be cut differently (.5, ::, <=)


def without_comments(sql: str, lexemes: list[Lexeme]) -> str:
    """The text to run: each stretch of spaces holding a comment made one space (or newline),
    semicolons and spaces at either end dropped, every other character kept as it was."""
    code = _code(sql, lexemes)
    if any(sql[lexemes[i].start : lexemes[i].end] == ";" for i in code):  # sqlglot saw one
        raise QueryRejected("the query is refused: it has more than one statement")
    parts = []
    for left, right in pairwise(code):
        parts.append(sql[lexemes[left].start : lexemes[left].end])
        between = lexemes[left + 1 : right]
        gap = sql[lexemes[left].end : lexemes[right].start]
        if any(lexeme.kind == COMMENT for lexeme in between):
            # PostgreSQL joins 'a' <newline> 'b' into one string across spaces and -- comments,
            # never across /* */: a newline stays a newline unless a /* */ was there.
            block = any(sql.startswith("/*", lexeme.start) for lexeme in between)
            gap = "\n" if ("\n" in gap or "\r" in gap) and not block else " "
        parts.append(gap)
    if code:
        parts.append(sql[lexemes[code[-1]].start : lexemes[code[-1]].end])
    return "".join(parts)


def _code(sql: str, lexemes: list[Lexeme]) -> list[int]:
    """Indexes of the pieces that are not spaces or comments, without semicolons at the ends."""
    code = [i for i, lexeme in enumerate(lexemes) if lexeme.kind not in NOT_CODE]
    while code and sql[lexemes[code[0]].start : lexemes[code[0]].end] == ";":
        code.pop(0)
    while code and sql[lexemes[code[-1]].start : lexemes[code[-1]].end] == ";":
        code.pop()
    return code


def code_texts(sql: str, lexemes: list[Lexeme]) -> list[tuple[str, str]]:
    return [(lexemes[i].kind, sql[lexemes[i].start : lexemes[i].end]) for i in _code(sql, lexemes)]


def _refuse_at(sql: str, position: int, what: str, advice: str) -> None:
    line = sql.count("\n", 0, position) + 1
    column = position - sql.rfind("\n", 0, position)
    raise QueryRejected(f"the query is refused: {what} (line {line}, column {column}); {advice}")


def _refuse_differs(sql: str, position: int, database: str) -> None:
    near = sql[position : position + 20]
    _refuse_at(
        sql, position, f"{database} could read the text near {near!r} differently from the guard",
        "write that part another way",
    )  # fmt: skip
