"""PDF text in any script, read back with poppler (pdftotext, pdffonts, pdftoppm).

Every font is embedded as a subset, so the file shows the same on a machine without
fonts; right-to-left text is shaped and ordered, and extracts in logical order.
"""

from __future__ import annotations

import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pyarrow as pa
import pytest

from exporters import export
from tests.exporters.test_pdf import PINNED, pdffonts, pdftotext, poppler

ROOT = Path(__file__).resolve().parents[2]

WORDS = {
    "arabic": "مرحبا بالعالم",
    "arabic ligature": "السلام عليكم",  # lam-alef: one glyph for two letters
    "arabic vowels": "مَرْحَبًا",  # marks positioned over and under their letters
    "persian": "سلام دنیا",
    "hebrew": "שלום עולם",
    "hebrew points": "שָׁלוֹם",
    "chinese": "你好世界",
    "japanese": "こんにちは世界",
    "korean": "안녕하세요",
    "emoji": "😀👍",
    "emoji beyond the first plane": "🚀🎉",
    "greek": "Καλημέρα κόσμε",
    "cyrillic": "Привет, мир",
    "latin": "Zoë Saldaña, Łukasz",
}


def export_words(tmp_path: Path, words: dict[str, str], name: str = "out.pdf") -> Path:
    path = tmp_path / name
    table = pa.table({"script": list(words), "text": list(words.values())})
    export(table, path, "pdf", {**PINNED, "title": "Σ scripts: عربي, 中文"})
    return path


def test_every_font_is_embedded_as_a_subset(tmp_path: Path) -> None:
    fonts = pdffonts(export_words(tmp_path, WORDS))
    names = " ".join(font["name"] for font in fonts)
    for family in ("DejaVuSans", "NotoSansArabic", "NotoSansHebrew", "WenQuanYi", "Symbola"):
        assert family in names
    for font in fonts:
        assert (font["type"], font["emb"], font["sub"], font["uni"]) == (
            "TrueType",
            "yes",
            "yes",
            "yes",
        ), font


@pytest.mark.parametrize("script", list(WORDS))
def test_text_extracts_in_logical_order(tmp_path: Path, script: str) -> None:
    path = export_words(tmp_path, {script: WORDS[script]})
    (page,) = pdftotext(path)
    assert WORDS[script] in page


def test_title_in_any_script_extracts(tmp_path: Path) -> None:
    (page,) = pdftotext(export_words(tmp_path, {"latin": "x"}))
    assert page.startswith("Σ scripts: عربي, 中文\n")


def test_headers_in_any_script_extract(tmp_path: Path) -> None:
    names = ["الاسم", "Имя", "שם", "名前", "이름", "😀"]
    path = tmp_path / "out.pdf"
    export(pa.table({name: [1] for name in names}), path, "pdf", PINNED)
    (page,) = pdftotext(path)
    for name in names:
        assert name in page


@pytest.mark.parametrize(
    "text",
    [
        "Invoice for שלום עולם, paid",  # left-to-right, a Hebrew phrase inside
        "Note: שלום עולם.",
        "Customer مرحبا, VIP",
    ],
)
def test_mixed_direction_cells_extract_as_typed(tmp_path: Path, text: str) -> None:
    (page,) = pdftotext(export_words(tmp_path, {"mixed": text}))
    assert f"mixed {text}\n" in page


@pytest.mark.parametrize(
    ("text", "left_to_right"),
    [
        # pdftotext reads these in its own order (it takes a right-to-left paragraph
        # left to right, and a space after a right-to-left run into it), so where each
        # word is drawn is checked instead: the Unicode Bidirectional Algorithm's order.
        ("abc שלום def", ["abc", "שלום", "def"]),
        ("مرحبا بالعالم Python", ["Python", "بالعالم", "مرحبا"]),
        ("שלום world עולם", ["עולם", "world", "שלום"]),
        ("Total: مرحبا بالعالم (Arabic)", ["Total:", "بالعالم", "مرحبا", "(Arabic)"]),
    ],
)
def test_mixed_direction_words_are_drawn_in_bidi_order(
    tmp_path: Path, text: str, left_to_right: list[str]
) -> None:
    boxes = word_boxes(export_words(tmp_path, {"mixed": text}))
    lefts = [boxes[word][0] for word in left_to_right]
    assert lefts == sorted(lefts)


def word_boxes(path: Path) -> dict[str, tuple[float, float]]:
    """Each word's left and right edge as pdftotext finds them (words in logical order)."""
    out = subprocess.run(
        [poppler("pdftotext"), "-bbox", str(path), "-"], capture_output=True, check=True
    ).stdout.decode()
    box = r'xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">([^<]+)<'
    boxes = {}
    for left, right, word in re.findall(box, out):
        boxes[word] = boxes[word[::-1]] = (float(left), float(right))  # RTL: stored visually
    return boxes


def test_a_character_no_font_has_shows_a_replacement_and_extracts_as_itself(
    tmp_path: Path,
) -> None:
    tangut = "\U00017000\U00017001"  # Tangut: in none of the installed fonts
    path = tmp_path / "out.pdf"
    result = export(pa.table({"text": [f"a {tangut} b"]}), path, "pdf", PINNED)
    (page,) = pdftotext(path)
    assert f"a {tangut} b" in page
    assert any("U+FFFD" in note or "\ufffd" in note for note in result.notes), result.notes


def test_many_scripts_give_the_same_bytes_and_a_small_file(tmp_path: Path) -> None:
    first = export_words(tmp_path, WORDS, "a.pdf")
    second = export_words(tmp_path, WORDS, "b.pdf")
    assert first.read_bytes() == second.read_bytes()
    # subsets only: the CJK font alone is 5 MB, Symbola 3 MB, DejaVu Sans 700 KB
    assert first.stat().st_size < 150_000


def test_pages_render(tmp_path: Path) -> None:
    path = export_words(tmp_path, WORDS)
    subprocess.run(
        [poppler("pdftoppm"), "-r", "50", "-png", str(path), str(tmp_path / "page")],
        capture_output=True,
        check=True,
    )
    (png,) = tmp_path.glob("page*.png")
    assert png.stat().st_size > 1000


def test_right_to_left_cells_align_right(tmp_path: Path) -> None:
    path = tmp_path / "out.pdf"
    export(pa.table({"text": ["שלום", "abc", "مرحبا بالعالم"]}), path, "pdf", PINNED)
    boxes = word_boxes(path)
    hebrew, latin, arabic = boxes["שלום"], boxes["abc"], boxes["مرحبا"]
    assert abs(hebrew[1] - arabic[1]) < 0.5  # both end at the column's right edge
    assert latin[0] < hebrew[0]


def test_bytes_do_not_depend_on_what_the_process_drew_before(tmp_path: Path) -> None:
    # Shaped glyphs get keys in the order a process first meets them; the file must not.
    export_words(tmp_path, {"other": "لا مَ 😀 ☃ \U00017000 שָׁ"}, "before.pdf")
    warm = export_words(tmp_path, WORDS, "warm.pdf")
    script = (
        "import sys, pathlib, pyarrow as pa\n"
        "from tests.exporters.test_pdf_scripts import WORDS, export_words\n"
        "export_words(pathlib.Path(sys.argv[1]), WORDS, 'cold.pdf')\n"
    )
    subprocess.run([sys.executable, "-c", script, str(tmp_path)], check=True, cwd=ROOT)
    assert (tmp_path / "cold.pdf").read_bytes() == warm.read_bytes()


def test_exports_in_threads_give_the_same_bytes(tmp_path: Path) -> None:
    # Fonts, glyph keys and caches are shared by the threads of a server: exports of
    # WORDS run beside exports of the same words in other orders.
    reference = export_words(tmp_path, WORDS, "reference.pdf").read_bytes()
    items = list(WORDS.items())
    jobs = [WORDS if n % 2 == 0 else dict(items[n:] + items[:n]) for n in range(6)]
    with ThreadPoolExecutor(max_workers=3) as pool:
        paths = list(pool.map(lambda n: export_words(tmp_path, jobs[n], f"{n}.pdf"), range(6)))
    assert [path.read_bytes() == reference for path in paths[::2]] == [True] * 3
