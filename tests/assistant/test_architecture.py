"""The assistant's architecture, checked over its import graph (``docs/architecture.md``).

The layers themselves are import-linter's contract (``[tool.importlinter]`` in
pyproject.toml, run by ``make lint``); these tests add what it does not say: that the
contract really fails on a bad import, that there is no cycle at all, that the Streamlit
UI uses only the package's public names, and that rooms stay small and say what they hold.
Every import counts: those under ``TYPE_CHECKING`` and inside functions too.
"""

from __future__ import annotations

import ast
import graphlib
import shutil
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

import assistant

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "assistant"


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("assistant", "exporters", "intents", "ui", cache_dir=None)


def test_no_import_cycle_among_assistant_modules(graph: grimp.ImportGraph) -> None:
    """A module never reaches itself through its imports (packages' ``__init__`` too)."""
    modules = {m for m in graph.modules if m == "assistant" or m.startswith("assistant.")}
    edges = {
        module: {m for m in graph.find_modules_directly_imported_by(module) if m in modules}
        for module in modules
    }
    try:
        tuple(graphlib.TopologicalSorter(edges).static_order())
    except graphlib.CycleError as cycle:
        pytest.fail(f"import cycle: {' -> '.join(cycle.args[1])}")


def test_the_ui_imports_only_the_public_names_of_the_assistant(graph: grimp.ImportGraph) -> None:
    reached = {
        (details["importer"], details["imported"])
        for module in graph.modules
        if module.startswith("ui")
        for imported in graph.find_modules_directly_imported_by(module)
        if imported.startswith("assistant")
        for details in graph.get_import_details(importer=module, imported=imported)
    }
    assert reached, "the UI uses the assistant"
    assert {imported for _, imported in reached} == {"assistant"}
    for path in (ROOT / "ui").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module == "assistant":
                names = {alias.name for alias in node.names}
                assert names <= set(assistant.__all__), (path.name, names - set(assistant.__all__))


def test_the_public_names_all_resolve() -> None:
    for name in assistant.__all__:
        assert getattr(assistant, name) is not None, name


def test_the_worker_never_loads_the_chat(graph: grimp.ImportGraph) -> None:
    """A worker only writes files: the chat engine, the intent rules and the LLM SQL
    writer are not in its import closure (statically, and in a real process)."""
    closure = graph.find_upstream_modules("assistant.worker", as_package=True)
    banned = (
        "assistant.conversation",
        "assistant.questions",
        "intents.parsing",
        "intents.rules",
        "intents.llm",
        "intents.toolcall",
        "openai",
    )
    assert not {m for m in closure if m.startswith(banned)}
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, assistant.worker; print('\\n'.join(sys.modules))"],
        capture_output=True, text=True, check=True, cwd=ROOT,
    ).stdout.split()  # fmt: skip
    assert not {m for m in loaded if m.startswith(banned)}


def test_the_layers_contract_fails_on_an_import_that_breaks_it(tmp_path: Path) -> None:
    """The same contract on a copy of the code where the store imports the chat engine."""
    for package in ("assistant", "exporters", "intents", "ui"):
        shutil.copytree(
            ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    lint = [str(Path(sys.executable).with_name("lint-imports")), "--no-cache"]
    clean = subprocess.run(lint, cwd=tmp_path, capture_output=True, text=True, check=False)
    assert clean.returncode == 0, clean.stdout
    models = tmp_path / "assistant" / "store" / "models.py"
    models.write_text(models.read_text() + "\nimport assistant.conversation.engine\n")
    broken = subprocess.run(lint, cwd=tmp_path, capture_output=True, text=True, check=False)
    assert broken.returncode == 1
    assert "assistant.store.models -> assistant.conversation.engine" in broken.stdout


def _room_modules() -> list[Path]:
    return [p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts]


def test_no_module_over_400_lines() -> None:
    long = {str(p.relative_to(ROOT)): n for p in _room_modules()
            if (n := len(p.read_text().splitlines())) > 400}  # fmt: skip
    assert not long


def test_no_class_over_250_lines() -> None:
    large = {}
    for path in _room_modules():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ClassDef):
                assert node.end_lineno is not None
                lines = node.end_lineno - node.lineno + 1
                if lines > 250:
                    large[f"{path.relative_to(ROOT)}:{node.name}"] = lines
    assert not large


def test_every_room_says_what_it_holds_and_may_import() -> None:
    rooms = [p / "__init__.py" for p in PACKAGE.iterdir() if (p / "__init__.py").exists()]
    rooms = [room for room in rooms if room.parent.name != "__pycache__"]
    assert len(rooms) >= 10
    for room in rooms:
        doc = ast.get_docstring(ast.parse(room.read_text())) or ""
        assert "import" in doc, f"{room.parent.name}/__init__.py: say what it may import"
        assert len(doc.split()) >= 15, f"{room.parent.name}/__init__.py: say what it holds"


def test_no_loose_module_a_newcomer_cannot_place() -> None:
    loose = {p.stem for p in PACKAGE.glob("*.py")}
    assert loose == {
        "__init__", "__main__", "errors", "process", "replies", "scope", "settings",
    }  # fmt: skip
