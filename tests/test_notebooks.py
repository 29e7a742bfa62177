"""Every notebook of the course (notebooks/*.ipynb) runs top to bottom with real outputs (docs/teaching.md).

Each notebook is executed with nbclient in the venv's ``python3`` kernel, in notebooks/ (as JupyterLab runs
it), with ``EXPLORER_STORE`` from the environment when it is set (CI sets one) and else a temporary folder
shared by the notebooks of one session; ``EXPLORER_APP_DEFAULTS`` is dropped, as on Binder. A notebook fails when

* a cell raises, or a traceback reaches stderr (a page's background thread, say);
* a code cell that should show something shows nothing: its last statement is an expression (without a
  closing ``;``), or it calls ``display``, ``print`` or one of ``explorer.notebook``'s ``result``, ``progress``
  and ``interact``;
* a figure is empty. HoloViews and Panel outputs carry their Bokeh document in the output's ``text/html``
  (``docs_json``); the output of an object (one with a ``text/plain`` repr, unlike the extensions' loaders) must
  hold at least one figure, and every figure must draw a glyph other than text whose data source holds at least
  one finite number. Views draw missing data as a placeholder, a figure with only a sentence in it: that fails
  too. The same holds inside ipywidgets ``Output`` widgets (``notebook.interact``), whose outputs nbclient keeps
  in the notebook's widget state, and such an ``Output`` must not be empty;
* a text result is empty or NaN: printed text, ``text/plain``, ``text/markdown`` and HTML tables must not say
  ``nan``.

``test_the_checks_catch_empty_results`` runs the same checks on a small notebook that draws an empty curve, a
placeholder and a NaN, so the checks themselves are tested.
"""
from __future__ import annotations

import ast
import base64
import gzip
import json
import os
import re
import time
from pathlib import Path

import nbclient
import nbformat
import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
CELL_TIMEOUT = 900   #: seconds per cell: the slowest cell trains for about a minute or two on a busy 2-core machine
SHOWS = re.compile(r"\b(display|print)\s*\(|\bnotebook\.(result|progress|interact)\s*\(")
NAN = re.compile(r"\bnan\b", re.IGNORECASE)
DOCS_JSON = re.compile(r"var docs_json = (\{.*?\});\n", re.DOTALL)
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


# ----------------------------------------------------------------------------------------------------- running
@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return os.environ.get("EXPLORER_STORE") or str(tmp_path_factory.mktemp("notebook-store"))


def execute(nb, store: str, monkeypatch) -> float:
    """Run ``nb`` in place (outputs and widget state kept); returns the seconds it took."""
    monkeypatch.setenv("EXPLORER_STORE", store)
    monkeypatch.delenv("EXPLORER_APP_DEFAULTS", raising=False)
    client = nbclient.NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name="python3", store_widget_state=True,
                                     resources={"metadata": {"path": str(ROOT / "notebooks")}})
    t0 = time.perf_counter()
    client.execute()
    return time.perf_counter() - t0


# ----------------------------------------------------------------------------------------------------- checks
def _walk(obj):
    if isinstance(obj, dict):
        yield obj
        for v in obj.values():
            yield from _walk(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _walk(v)


def bokeh_documents(html: str) -> list[dict]:
    """The Bokeh documents embedded in an output's HTML (HoloViews and Panel outputs carry one each)."""
    return [json.loads(m.group(1)) for m in DOCS_JSON.finditer(html)]


def _array(value: dict) -> np.ndarray:
    """A serialised Bokeh ndarray (base64 bytes, gzip-compressed when large) as numpy."""
    array = value.get("array")
    if isinstance(array, dict) and array.get("type") == "bytes":
        raw = base64.b64decode(array["data"])
        if raw[:2] == b"\x1f\x8b":
            raw = gzip.decompress(raw)
        out = np.frombuffer(raw, dtype=np.dtype(value.get("dtype", "float64")))
        return out.reshape(value["shape"]) if value.get("shape") else out
    return np.asarray(array if array is not None else [], dtype=object)


def _rows(value) -> list:
    """A data-source column, one value per row (an image's row is its whole array)."""
    if isinstance(value, dict) and value.get("type") == "ndarray":
        a = _array(value)
        return list(a) if a.ndim > 1 else a.tolist()
    if isinstance(value, list):
        return [_array(v) if isinstance(v, dict) and v.get("type") == "ndarray" else v for v in value]
    return []


def _ok(value) -> bool:
    """Whether one row's value draws something: a finite number, a non-empty string, an array with one."""
    if isinstance(value, np.ndarray):
        value = value.ravel().tolist()
    if isinstance(value, (list, tuple)):
        return any(_ok(v) for v in value)
    if isinstance(value, bool):
        return True
    if isinstance(value, (int, float, np.number)):
        return bool(np.isfinite(value))
    if isinstance(value, str):
        return value.strip() != "" and not NAN.fullmatch(value.strip())
    return False


def _draws(glyph: dict, columns: dict) -> bool:
    """Whether a glyph draws at least one row: a row where every column the glyph reads is usable."""
    fields = [v["field"] for v in glyph.get("attributes", {}).values()
              if isinstance(v, dict) and v.get("type") == "field" and v.get("field") in columns]
    use = fields or list(columns)
    if not use:
        return False
    rows = min(len(columns[f]) for f in use)
    return any(all(_ok(columns[f][i]) for f in use) for i in range(rows))


def figure_problems(doc: dict, where: str) -> tuple[int, list[str]]:
    """(figures in ``doc``, what is wrong with them)."""
    objects = {o["id"]: o for o in _walk(doc) if o.get("type") == "object" and "id" in o and "name" in o}

    def resolve(ref):
        return objects.get(ref.get("id"), ref) if isinstance(ref, dict) else ref

    figures = [o for o in objects.values() if o["name"] == "Figure"]
    problems = []
    for fig in figures:
        drawn, text_only = False, False
        for renderer in map(resolve, fig.get("attributes", {}).get("renderers", [])):
            if not isinstance(renderer, dict) or renderer.get("name") != "GlyphRenderer":
                continue
            attrs = renderer.get("attributes", {})
            glyph, source = resolve(attrs.get("glyph", {})), resolve(attrs.get("data_source", {}))
            data = source.get("attributes", {}).get("data", {}) if isinstance(source, dict) else {}
            columns = {k: _rows(v) for k, v in (data.get("entries", []) if isinstance(data, dict) else [])}
            if isinstance(glyph, dict) and _draws(glyph, columns):
                if glyph.get("name") == "Text":
                    text_only = True
                else:
                    drawn = True
        title = resolve(fig.get("attributes", {}).get("title", {}))
        title = title.get("attributes", {}).get("text", "") if isinstance(title, dict) else str(title or "")
        if not drawn:
            what = "a placeholder (only a sentence, no data)" if text_only else "an empty figure (no glyph with data)"
            problems.append(f"{where}: {what}: {title[:100]!r}")
    return len(figures), problems


def _widget_outputs(state: dict, model_id: str, seen: set) -> list[tuple[str, list]]:
    """The ``Output`` widgets (id, outputs) in the widget ``model_id`` and its children."""
    if model_id in seen or model_id not in state:
        return []
    seen.add(model_id)
    model = state[model_id]
    found = [(model_id, model["state"].get("outputs", []))] if model.get("model_name") == "OutputModel" else []
    for child in model["state"].get("children", []):
        if isinstance(child, str) and child.startswith("IPY_MODEL_"):
            found += _widget_outputs(state, child[len("IPY_MODEL_"):], seen)
    return found


def output_problems(output: dict, where: str, widgets: dict, seen: set) -> tuple[bool, list[str]]:
    """(whether ``output`` shows something, what is wrong with it)."""
    kind, problems = output.get("output_type"), []
    if kind == "error":
        return True, [f"{where}: {output.get('ename')}: {output.get('evalue')}"]
    if kind == "stream":
        text = output.get("text", "")
        if output.get("name") == "stderr":
            return False, [f"{where}: a traceback on stderr:\n{text[-2000:]}"] if "Traceback" in text else []
        if NAN.search(text):
            problems.append(f"{where}: NaN in printed text: {text[:300]!r}")
        return bool(text.strip()), problems
    data = output.get("data", {})
    html, plain = data.get("text/html", ""), data.get("text/plain", "")
    docs = bokeh_documents(html) if "docs_json" in html else []
    figures = 0
    for doc in docs:
        n, wrong = figure_problems(doc, where)
        figures += n
        problems += wrong
    if docs and plain and not figures:   # an object's output (not a loader's) that draws no figure
        problems.append(f"{where}: the output of {plain.splitlines()[0][:80]!r} holds no figure")
    if not docs:
        for mime in ("text/plain", "text/markdown"):
            if NAN.search(data.get(mime, "")):
                problems.append(f"{where}: NaN in {mime}: {data[mime][:300]!r}")
        if "<table" in html and NAN.search(re.sub(r"<[^>]+>", " ", html)):
            problems.append(f"{where}: NaN in an HTML table")
    shown = any(isinstance(v, (str, dict)) and v for v in data.values())
    if WIDGET_VIEW in data:
        for model_id, outputs in _widget_outputs(widgets, data[WIDGET_VIEW]["model_id"], seen):
            inner_shown = False
            for i, inner in enumerate(outputs):
                s, wrong = output_problems(inner, f"{where}, widget output {i}", widgets, seen)
                inner_shown |= s
                problems += wrong
            if not inner_shown:
                problems.append(f"{where}: an ipywidgets Output ({model_id[:8]}) shows nothing")
    return shown, problems


def should_show(source: str) -> bool:
    """Whether a code cell should leave an output: its last statement is an expression (no closing ``;``), or
    it calls display, print or a progress-showing helper of ``explorer.notebook``."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return True
    last = tree.body[-1] if tree.body else None
    shown = isinstance(last, ast.Expr) and not source.rstrip().endswith(";")
    return shown or bool(SHOWS.search(source))


def problems(nb) -> list[str]:
    """Everything wrong with an executed notebook's outputs (see the module docstring)."""
    widgets = nb.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    found, seen = [], set()
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        where = f"cell {index} ({cell.source.strip().splitlines()[0][:60] if cell.source.strip() else ''!r})"
        shown = False
        for output in cell.get("outputs", []):
            s, wrong = output_problems(output, where, widgets, seen)
            shown |= s
            found += wrong
        if should_show(cell.source) and not shown:
            found.append(f"{where}: shows nothing")
    return found


# ----------------------------------------------------------------------------------------------------- tests
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_with_real_outputs(path, store, monkeypatch):
    nb = nbformat.read(path, as_version=4)
    seconds = execute(nb, store, monkeypatch)
    print(f"{path.name}: {seconds:.0f} s (store {store})")
    found = problems(nb)
    assert not found, f"{path.name}:\n" + "\n".join(found)


BROKEN = [
    "import holoviews as hv\nimport numpy as np\nhv.extension('bokeh')",
    "hv.Curve([])",                                                      # an empty figure
    "from explorer.views.style import placeholder\nplaceholder('no data here', 'A view without data')",
    "hv.Curve((np.arange(3), np.full(3, np.nan)))",                      # a figure of NaN only
    "print(f'F = {float(\"nan\"):.2f}')",                                # a NaN result
    "x = 1\nx",                                                          # fine
    "hv.Curve(([0, 1], [0, 1])) * hv.Curve([])",                          # fine: one layer has data
    # an ipywidgets control over a view that draws nothing (a tiny run, seconds)
    "from explorer import notebook\nfrom explorer.studies.specialization.config import TINY\n"
    "from explorer.studies.specialization.experiment import SpecializationExperiment\n"
    "notebook.interact(SpecializationExperiment(**TINY), view=lambda result: hv.Curve([]), names=['p'])",
]


def test_the_checks_catch_empty_results(tmp_path, monkeypatch):
    """The checks above fail an empty figure, a placeholder, a figure of NaN, a printed NaN and an empty figure
    inside an ipywidgets control, and pass figures with data (a small notebook, executed in the same way)."""
    from nbformat.v4 import new_code_cell, new_notebook

    nb = new_notebook(cells=[new_code_cell(src) for src in BROKEN])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    execute(nb, str(tmp_path / "store"), monkeypatch)
    found = problems(nb)
    cells = {int(re.match(r"cell (\d+)", p).group(1)) for p in found}
    assert cells == {1, 2, 3, 4, 7}, "\n".join(found)
    text = "\n".join(found)
    assert "an empty figure" in text and "a placeholder" in text and "NaN in printed text" in text, text
    assert any(p.startswith("cell 7") and "widget output" in p and "an empty figure" in p for p in found), text
