"""The house's one-way import rules (docs/architecture.md), checked by parsing every module's imports.

- a study's config, run, train and result modules — and the engine layers they stand on (core, store, tasks,
  models, metrics) — import no param, Panel, HoloViews or Bokeh, not even through another explorer module;
- views import neither the store nor training;
- only pages (``studies/<name>/page*.py``) and ``explorer/ui`` import Panel;
- shared layers (everything outside ``explorer/studies/<name>/``) import no study by name;
- no module is over 400 lines (a file that grows past that is two things).
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "explorer"
UI_LIBS = ("param", "panel", "holoviews", "bokeh")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path, top_level_only: bool = False) -> set[str]:
    """Absolute names of the modules ``path`` imports (relative imports resolved)."""
    tree = ast.parse(path.read_text())
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rsplit(".", 1)[0]
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    out = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            out.add(mod)
            out |= {f"{mod}.{a.name}" for a in node.names}   # `from . import entry` imports a module
    return out


MODULES = {module_name(p): p for p in ROOT.rglob("*.py")}


def closure(name: str) -> set[str]:
    """Every module reached through top-level imports from ``name`` (inside and outside explorer)."""
    seen, todo = set(), [name]
    while todo:
        mod = todo.pop()
        if mod in seen:
            continue
        seen.add(mod)
        if mod in MODULES:
            todo += [m for m in imports(MODULES[mod], top_level_only=True)]
    return seen


def uses(mods: set[str], libs) -> set[str]:
    return {m for m in mods if m.split(".")[0] in libs}


STUDY_FOLDERS = {p.name for p in (ROOT / "studies").iterdir() if p.is_dir() and (p / "__init__.py").exists()}


def is_study(name: str) -> bool:
    """Whether ``name`` is (inside) a study's folder: explorer.studies.<study>…"""
    parts = name.split(".")
    return len(parts) >= 3 and parts[:2] == ["explorer", "studies"] and parts[2] in STUDY_FOLDERS


ENGINE = [m for m in MODULES if m.split(".")[1:2] and m.split(".")[1] in ("core", "store", "tasks", "models", "metrics")
          and m != "explorer.core.experiment"]
STUDY_ENGINE = [m for m in MODULES if is_study(m) and m.rsplit(".", 1)[-1] in ("config", "run", "train", "result")]


@pytest.mark.parametrize("name", sorted(ENGINE + STUDY_ENGINE))
def test_engine_modules_import_no_ui_library(name):
    assert not uses(closure(name), UI_LIBS), f"{name} reaches {sorted(uses(closure(name), UI_LIBS))}"


VIEWS = [m for m in MODULES if m.startswith("explorer.views") or (is_study(m) and m.rsplit(".", 1)[-1].startswith(
    ("views", "style")))]


@pytest.mark.parametrize("name", sorted(VIEWS))
def test_views_import_neither_the_store_nor_training(name):
    bad = {m for m in imports(MODULES[name]) if m.startswith(("explorer.store", "explorer.core.fit"))
           or (is_study(m) and m.rsplit(".", 1)[-1] in ("run", "train"))}
    assert not bad, f"{name} imports {sorted(bad)}"


@pytest.mark.parametrize("name", sorted(MODULES))
def test_only_pages_and_ui_import_panel(name):
    page = name.startswith("explorer.ui") or (is_study(name) and name.rsplit(".", 1)[-1].startswith("page"))
    if not page:
        assert not uses(imports(MODULES[name]), ("panel",)), f"{name} imports Panel"


@pytest.mark.parametrize("name", sorted(m for m in MODULES if not is_study(m) and m != "explorer.studies"))
def test_shared_layers_import_no_study_by_name(name):
    by_name = {m for m in imports(MODULES[name]) if is_study(m)}
    assert not by_name, f"{name} imports {sorted(by_name)}"


@pytest.mark.parametrize("path", sorted(ROOT.rglob("*.py")), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_module_is_over_400_lines(path):
    assert len(path.read_text().splitlines()) <= 400


def test_page_text_takes_its_colour_from_the_theme():
    """A pane styled with a fixed text colour (``styles={"color": "#333"}``) turns unreadable in the dark theme
    (``?theme=dark``: dark grey on dark grey, seen on the specialization page's card notes); muted text uses
    opacity instead. The alert's own light box (messages.py) keeps its colours."""
    offenders = []
    for path in sorted(ROOT.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.keyword) and node.arg == "styles" and isinstance(node.value, ast.Dict):
                keys = [k.value for k in node.value.keys if isinstance(k, ast.Constant)]
                if "color" in keys:
                    offenders.append(f"{path.relative_to(ROOT)}:{node.value.lineno}")
    assert offenders == [], offenders
