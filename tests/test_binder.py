"""The Binder environment builds from binder/ alone: ``binder/check`` does what repo2docker does (a fresh venv,
binder/requirements.txt, binder/postBuild in a clone of the repository) without Docker, then imports every study
page and checks the jupyter-panel-proxy wiring. It needs the package index (as CI and Binder have)."""
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.skipif(shutil.which("git") is None, reason="binder/check clones the repository with git")
def test_the_binder_environment_installs_and_imports_from_binder_alone():
    done = subprocess.run(["bash", str(ROOT / "binder" / "check")], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "binder/check: imports and study pages OK" in done.stdout
    assert "apps/dynamics.py" in done.stdout and "OK" in done.stdout.splitlines()[-1]
