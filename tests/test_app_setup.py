"""apps/setup.py (``panel serve … --setup apps/setup.py``) warms the engine once, before the server opens."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHECK = """
import runpy, sys
assert "torch._dynamo" not in sys.modules
runpy.run_path(sys.argv[1])
from explorer.ui import live
from explorer.tasks import datasets
print(live._WARM.is_set(), "torch._dynamo" in sys.modules, "explorer.runner" in sys.modules)
"""


def test_setup_script_warms_the_engine_in_a_fresh_interpreter():
    out = subprocess.run([sys.executable, "-c", CHECK, str(ROOT / "apps" / "setup.py")], capture_output=True,
                         text=True, cwd=ROOT, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    # warm flag set (sessions start no second warm-up), the first optimizer's import paid, the engine loaded
    assert out.stdout.split() == ["True", "True", "True"]
