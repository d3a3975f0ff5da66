"""Run a check script in the Rasa venv (rasa itself cannot be imported here)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from nlu import paths


def run(script: str, cwd: Path = paths.REPO_ROOT, timeout: float = 300):
    """Run `script` with the Rasa venv's python; the JSON its last stdout line prints."""
    proc = subprocess.run(
        [str(paths.rasa_venv() / "bin" / "python"), "-c", script],
        cwd=cwd,
        env=paths.rasa_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.splitlines()[-1])
