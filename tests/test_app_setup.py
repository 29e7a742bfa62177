"""apps/setup.py (``panel serve … --setup apps/setup.py``) warms the engine once, before the server opens, and is
the only place the Bokeh freeze patch is applied (importing explorer.ui changes no dependency)."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHECK = """
import runpy, sys
assert "torch._dynamo" not in sys.modules
import explorer.ui, explorer.studies.specialization.page
from explorer.ui import freeze
assert not freeze._APPLIED, "importing the UI must not patch Bokeh"
runpy.run_path(sys.argv[1])
from explorer.ui import live
print(live._WARM.is_set(), "torch._dynamo" in sys.modules, "explorer.studies.specialization.run" in sys.modules,
      freeze._APPLIED == freeze.supported())
"""


def test_setup_script_warms_the_engine_in_a_fresh_interpreter():
    out = subprocess.run([sys.executable, "-c", CHECK, str(ROOT / "apps" / "setup.py")], capture_output=True,
                         text=True, cwd=ROOT, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    # warm flag set (sessions start no second warm-up), the first optimizer's import paid, the engine loaded
    assert out.stdout.split()[-4:] == ["True", "True", "True", "True"]


def test_freeze_patch_is_skipped_on_a_bokeh_it_was_not_written_for(monkeypatch, caplog):
    import bokeh

    from explorer.ui import freeze

    monkeypatch.setattr(freeze, "_APPLIED", False)
    monkeypatch.setattr(bokeh, "__version__", "99.0.0")
    with caplog.at_level("WARNING", logger="explorer.ui"):
        assert freeze.apply() is False
    assert "not one the freeze patch was written for" in caplog.text and "holoviz/holoviews#6315" in caplog.text
    assert freeze.supported("3.9.2") and not freeze.supported("3.10.0")
