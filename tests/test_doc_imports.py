"""Every ``from explorer… import …`` written where a reader copies it from (the notebooks, the README, docs/,
binder/ and apps/) names something that exists, so a rename in explorer/ fails here in a second, not only when
the notebooks run (minutes, and last in CI)."""
import importlib
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
IMPORT = re.compile(r"^\s*from\s+(explorer(?:\.\w+)*)\s+import\s+\(?([\w\s,]+?)\)?\s*(?:#.*)?$", re.M)


def sources() -> list[Path]:
    return [*sorted((ROOT / "notebooks").glob("*.ipynb")), ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")),
            *sorted((ROOT / "binder").glob("*")), *sorted((ROOT / "apps").glob("*.py"))]


def text_of(path: Path) -> str:
    if path.suffix == ".ipynb":
        return "\n".join(c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code")
    return path.read_text() if path.is_file() else ""


def imports(text: str) -> list[tuple[str, str]]:
    return [(module, name.strip().split(" as ")[0].strip())
            for module, names in IMPORT.findall(text) for name in names.split(",") if name.strip()]


def test_the_pattern_reads_the_forms_used():
    assert imports("from explorer.a import b, c as d  # note\n  from explorer import e") == \
        [("explorer.a", "b"), ("explorer.a", "c"), ("explorer", "e")]


@pytest.mark.parametrize("path", [p for p in sources() if imports(text_of(p))], ids=lambda p: str(p.relative_to(ROOT)))
def test_every_written_import_resolves(path):
    missing = []
    for module, name in imports(text_of(path)):
        try:
            owner = importlib.import_module(module)
        except ImportError as error:
            missing.append(f"{module}: {error}")
            continue
        if not hasattr(owner, name):
            try:
                importlib.import_module(f"{module}.{name}")
            except ImportError:
                missing.append(f"from {module} import {name}")
    assert not missing, f"{path.relative_to(ROOT)} imports what explorer/ no longer has:\n" + "\n".join(missing)
