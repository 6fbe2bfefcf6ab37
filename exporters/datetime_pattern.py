"""The ``datetime_format`` option: a strftime pattern, checked and split into tokens.

A pattern means what it means to Python's ``datetime.strftime`` on Linux (glibc, the C
locale), with these rules where Python leaves things to the platform:

- ``%S`` is whole seconds; ``%f`` is the microseconds, six digits (nanoseconds are cut,
  as Python would if it could hold them).
- ``%Y`` is the year with at least four digits (``0044``); a year outside 1..9999 is
  written in ISO 8601 expanded form, sign and at least four digits, astronomical
  numbering (``-0043`` is 44 BC, ``+10000``). ``%y``, ``%C``, ``%G`` and ``%g`` follow
  the true year.
- ``%z`` is ``+HHMM``, with ``SS`` added when the offset has seconds (local mean time
  before 1900: ``+005328`` in Berlin), as Python writes it; ``%Z`` is the zone's
  abbreviation (``CET``, ``LMT``). A timestamp without a zone is UTC wall time (the rule
  of :func:`exporters.temporal.timestamp_text`), so with ``timezone=UTC`` it shows
  ``+0000`` and ``UTC``. A date has no zone: ``%z`` and ``%Z`` are empty, as for
  Python's ``date.strftime``.
- ``%s`` is the seconds since 1970-01-01T00:00:00Z of the instant (glibc uses the
  machine's zone instead).
- glibc's ``-`` flag drops the padding of a number (``%-d`` is ``5``).

Anything else (another flag, a width, ``%E``/``%O`` forms, an unknown letter) is refused
with a message listing what is accepted, rather than written in some platform's way.

>>> [getattr(token, "letter", token) for token in parse_pattern("%d.%m.%Y %%")]
['d', Literal(text='.'), 'm', Literal(text='.'), 'Y', Literal(text=' %')]
"""

from __future__ import annotations

from dataclasses import dataclass

# The same text from Arrow's strftime as from glibc's in the C locale.
NATIVE = frozenset("aAbBcCdDeFgGhHIjmMnprRStTuUVwWxXyY")
# Computed here: Arrow lacks them or writes them differently.
COMPUTED = frozenset("fzZsklP")
# Numbers whose padding glibc's "-" flag removes.
UNPADDABLE = frozenset("CdegHIjklmMSuUVwWy")
ACCEPTED = "".join(sorted(NATIVE | COMPUTED))


@dataclass(frozen=True)
class Literal:
    text: str


@dataclass(frozen=True)
class Directive:
    letter: str
    unpadded: bool = False  # glibc's "%-d"


Token = Literal | Directive


def parse_pattern(pattern: str) -> tuple[Token, ...]:
    """``pattern`` as literal texts and directives, or ValueError naming what is wrong."""
    tokens: list[Token] = []
    text: list[str] = []
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char != "%":
            text.append(char)
            i += 1
            continue
        spec = pattern[i + 1 : i + 3]
        if spec[:1] == "%":
            text.append("%")
            i += 2
            continue
        unpadded = spec[:1] == "-"
        letter = spec[1:2] if unpadded else spec[:1]
        accepted = letter in UNPADDABLE if unpadded else letter in ACCEPTED
        if not letter or not accepted:
            shown = pattern[i : i + (3 if unpadded else 2)] or "%"
            raise ValueError(
                f"{shown!r} is not a directive we write; use %{' %'.join(ACCEPTED)}, "
                "%-d and the like for a number without padding, or %% for a literal %"
            )
        if text:
            tokens.append(Literal("".join(text)))
            text = []
        tokens.append(Directive(letter, unpadded))
        i += 3 if unpadded else 2
    if text:
        tokens.append(Literal("".join(text)))
    return tuple(tokens)


def needs_zone(tokens: tuple[Token, ...]) -> bool:
    """Whether the pattern shows the zone (``%z``, ``%Z``)."""
    return any(isinstance(token, Directive) and token.letter in "zZ" for token in tokens)
