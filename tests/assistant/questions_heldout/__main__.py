"""Write the held-out databases and corpora (variants included) for the shared scorer:

python -m tests.assistant.questions_heldout OUT_DIR
python3 ../shared/tools/score_questions.py OUT_DIR/school.jsonl --db school=OUT_DIR/school.db
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from .builders import BUILDERS
from .variants import TEMPLATES, generate

CORPORA = Path(__file__).parent / "corpora"


def main(out: Path) -> int:
    out.mkdir(parents=True, exist_ok=True)
    for name, build in BUILDERS.items():
        build(out / f"{name}.db")
    for name in TEMPLATES:
        shutil.copy(CORPORA / f"{name}.jsonl", out / f"{name}.jsonl")
        lines = [case.to_json() for case in generate(name)]
        (out / f"{name}-variants.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
        print(f"{out / name}.db, {name}.jsonl, {name}-variants.jsonl")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(Path(sys.argv[1])))
