"""Where the NLU project, its Rasa virtualenv and its trained models live.

Everything is found from this package's location (the repo is installed editable),
so the commands work from any working directory. Nothing here touches the disk at
import time.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
PROJECT_DIR = REPO_ROOT / "nlu" / "project"
MODELS_DIR = REPO_ROOT / "var" / "nlu" / "models"
CACHE_DIR = REPO_ROOT / "var" / "nlu" / "cache"
TESTSET = REPO_ROOT / "nlu" / "testset.tsv"
REQUIREMENTS = REPO_ROOT / "nlu" / "requirements-rasa.txt"


def rasa_venv() -> Path:
    return Path(os.environ.get("AFTERCARE_RASA_VENV") or REPO_ROOT / ".venv-rasa")


def rasa_executable() -> Path:
    return rasa_venv() / "bin" / "rasa"


def training_inputs(project: Path = PROJECT_DIR) -> list[Path]:
    """Every file whose change must retrain the model (data, config, dictionary, code)."""
    files = [project / "config.yml", project / "domain.yml", project.parent / REQUIREMENTS.name]
    for sub, pattern in (("data", "*.yml"), ("dict", "*"), ("aftercare_nlu", "*.py")):
        files += sorted((project / sub).glob(pattern))
    return [f for f in files if f.is_file()]


def inputs_hash(project: Path = PROJECT_DIR) -> str:
    digest = hashlib.sha256()
    for path in training_inputs(project):
        digest.update(str(path.relative_to(project.parent)).encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def model_name(project: Path = PROJECT_DIR) -> str:
    # The hash is part of the file name, so "is the model current?" is one stat().
    return f"nlu-{inputs_hash(project)}"


# Names the active model once `aftercare nlu train` has gated one (nlu/activation.py).
ACTIVE_MARKER = "active.json"


def current_model(models_dir: Path = MODELS_DIR, project: Path = PROJECT_DIR) -> Path:
    """The model to serve: the one the models dir's active marker names, else (no
    marker: a developer machine, CI, the Docker build) the model of the current inputs."""
    marker = models_dir / ACTIVE_MARKER
    if marker.is_file():
        return models_dir / json.loads(marker.read_text(encoding="utf-8"))["model"]
    return models_dir / f"{model_name(project)}.tar.gz"


def rasa_env(project: Path = PROJECT_DIR, *, serving: bool = False) -> dict[str, str]:
    """Environment for every Rasa subprocess: offline, deterministic, our components."""
    env = dict(os.environ)
    env.update(
        PYTHONPATH=str(project),
        RASA_TELEMETRY_ENABLED="false",
        RASA_CACHE_DIRECTORY=str(CACHE_DIR),
        # Same data + same seed -> same model: no hash randomisation, no racy TF ops.
        PYTHONHASHSEED="0",
        TF_DETERMINISTIC_OPS="1",
        TF_CPP_MIN_LOG_LEVEL="2",
        SQLALCHEMY_SILENCE_UBER_WARNING="1",
    )
    if serving:
        # One message at a time through a small model: TF's thread pools cost more in
        # hand-offs than they gain (p50 17 -> 12 ms on 2 cores, bench/nlu_latency.py).
        env.setdefault("TF_INTER_OP_PARALLELISM_THREADS", "1")
        env.setdefault("TF_INTRA_OP_PARALLELISM_THREADS", "1")
        # The same for the ensemble's linear model: BLAS threads on tiny matrices cost
        # ~7 ms of hand-offs per parse (p50 19 -> 12 ms, bench/nlu_latency.py).
        for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            env.setdefault(name, "1")
    return env
