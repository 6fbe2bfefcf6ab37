"""Masks said in words, in many generated wordings: verbs, column phrases, order, typos.

Each variant must give an export with exactly the mask asked (columns as said, the kind
the verb means), the format asked, and no column left out or picked by mistake; the
phrases that left a column out before ("hide the ssn column", "hide phone") still do.
"""

from __future__ import annotations

import itertools

import pytest

from exporters import MaskKind
from intents import Context, ExportRequest, Format, Intent, parse

CONTEXT = Context.at("2026-11-18T15:30:00", "Europe/Berlin")
VERBS = {
    "mask": MaskKind.PARTIAL,
    "hide": MaskKind.PARTIAL,
    "redact": MaskKind.PARTIAL,
    "blur": MaskKind.PARTIAL,
    "obfuscate": MaskKind.PARTIAL,
    "censor": MaskKind.PARTIAL,
    "star out": MaskKind.PARTIAL,
    "pseudonymise": MaskKind.HASH,
    "pseudonymize": MaskKind.HASH,
    "anonymise": MaskKind.HASH,
    "anonymize": MaskKind.HASH,
    "hash": MaskKind.HASH,
    "psuedonymise": MaskKind.HASH,  # typos, one or two edits away
    "anonimize": MaskKind.HASH,
    "obfusacte": MaskKind.PARTIAL,
}
PARTICIPLES = {"masked": MaskKind.PARTIAL, "hashed": MaskKind.HASH,
               "anonymised": MaskKind.HASH, "redacted": MaskKind.PARTIAL}  # fmt: skip
COLUMNS = {
    "the emails": ["emails"],
    "emails": ["emails"],
    "the phone numbers": ["phone_numbers"],
    "the SSNs": ["ssns"],
    "teh names": ["names"],
    "the emails and phone numbers": ["emails", "phone_numbers"],
    "all the customer names": ["customer_names"],
}
FORMATS = {"as csv": Format.CSV, "to excel": Format.XLSX, "as a pdf": Format.PDF,
           "as json": Format.JSON}  # fmt: skip


def read(message: str) -> ExportRequest:
    return parse(message, CONTEXT, mode="rules")


def check(request: ExportRequest, names: list[str], kind: MaskKind, format: Format) -> None:
    assert request.intent is Intent.EXPORT
    assert request.format is format
    assert request.mask == {name: kind for name in names}
    assert request.exclude_columns is None and request.columns is None


def _verb_cases() -> list[tuple[str, list[str], MaskKind, Format]]:
    cases = []
    for (verb, kind), (said, names), (slot, format) in itertools.product(
        VERBS.items(), COLUMNS.items(), FORMATS.items()
    ):
        if verb == "hide" and not said.rstrip().endswith("s"):
            continue
        cases += [
            (f"export this {slot} but {verb} {said}", names, kind, format),
            (f"{verb} {said} and export it {slot}", names, kind, format),
            (f"please {verb} {said}, then download {slot}", names, kind, format),
        ]
    return cases


@pytest.mark.parametrize(("message", "names", "kind", "format"), _verb_cases())
def test_verbs(message: str, names: list[str], kind: MaskKind, format: Format) -> None:
    check(read(message), names, kind, format)


@pytest.mark.parametrize(
    ("message", "names", "kind", "format"),
    [
        (f"export this {slot} with {said} {word}", names, kind, format)
        for (word, kind), (said, names), (slot, format) in itertools.product(
            PARTICIPLES.items(), COLUMNS.items(), FORMATS.items()
        )
    ],
)
def test_participles(message: str, names: list[str], kind: MaskKind, format: Format) -> None:
    check(read(message), names, kind, format)


@pytest.mark.parametrize(
    ("message", "name"),
    [
        ("export this as csv, only show the year of birth", "birth"),
        ("just the birth year please, as csv", "birth"),
        ("export as csv with birth dates as years only", "birth_dates"),
        ("truncate the birth dates to the year and export as csv", "birth_dates"),
        ("as csv, only the year of the birth dates", "birth_dates"),
    ],
)
def test_years(message: str, name: str) -> None:
    check(read(message), [name], MaskKind.YEAR, Format.CSV)


@pytest.mark.parametrize(
    "message",
    [
        "export as csv with the emails unmasked",
        "don't mask the emails, export as csv",
        "unmask the emails and export as csv",
    ],
)
def test_unmasking_is_read_as_asked(message: str) -> None:
    check(read(message), ["emails"], MaskKind.NONE, Format.CSV)


@pytest.mark.parametrize(
    ("message", "excluded"),
    [
        ("hide the ssn column and export to excel", ["ssn"]),
        ("hide phone and margin then ndjson", ["phone", "margin"]),
        ("all columns except password hash as jsonl", ["password_hash"]),
    ],
)
def test_leaving_columns_out_is_unchanged(message: str, excluded: list[str]) -> None:
    request = read(message)
    assert request.mask is None
    assert request.exclude_columns == excluded


def test_a_follow_up_adds_masks_to_the_last_export() -> None:
    first = read("export all customers as csv")
    context = CONTEXT.model_copy(update={"last_request": first})
    then = parse("now mask the emails too", context, mode="rules")
    assert then.format is Format.CSV and then.mask == {"emails": MaskKind.PARTIAL}
    again = parse("and hash the names", context.model_copy(update={"last_request": then}),
                  mode="rules")  # fmt: skip
    assert again.mask == {"emails": MaskKind.PARTIAL, "names": MaskKind.HASH}


def test_no_mask_where_none_is_said() -> None:
    for message in ("export this as csv", "hash join", "export the hash index as csv"):
        request = read(message)
        assert request.mask is None or request.intent is not Intent.EXPORT
