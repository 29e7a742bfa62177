"""The house stays tidy: no name imported or assigned and never used, no name used and never defined, no line over
120 characters, in the package, the apps, the tests, the benchmarks, the docs' scripts and the notebooks' cells
(ruff, configured in pyproject.toml)."""
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_ruff_finds_nothing():
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    assert ruff, "ruff is one of the test extras: pip install -e '.[test]'"
    out = subprocess.run([ruff, "check", "--no-cache", "--output-format", "concise", "explorer", "apps", "tests",
                          "benchmarks", "docs", "notebooks"], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
