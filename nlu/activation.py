"""Which trained model is active, its scores, and switching the running servers to it.

The models directory may hold an active marker (`active.json`, paths.ACTIVE_MARKER):

    {"model": "nlu-<hash>.tar.gz", "scores": {...}, "activated_at": "...",
     "switching_to": null | "nlu-<hash>.tar.gz", "previous": "nlu-....tar.gz" | null}

`paths.current_model` serves what it names; without a marker the model of the current
inputs is served, as before (make, CI, the Docker build). `aftercare nlu train` writes
the marker when it gates a candidate (nlu/candidate.py): the scores of the active model
are stored beside it, so the next candidate is compared without scoring the old model
again.

A switch without downtime: the marker first names the candidate as `switching_to`
(readiness then accepts either model, `accepted`), every running server gets
`PUT /model {"model_file": path}` (our launcher loads it in a thread, so parses go on
with the old model meanwhile: nlu/project/aftercare_serve.py), then the marker names the
candidate as the model. A server that refuses leaves the old model active.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from datetime import datetime, timezone  # not UTC: the Rasa image runs nlu on Python 3.10
from pathlib import Path

from nlu import paths


def read(models_dir: Path = paths.MODELS_DIR) -> dict | None:
    marker = models_dir / paths.ACTIVE_MARKER
    if not marker.is_file():
        return None
    return json.loads(marker.read_text(encoding="utf-8"))


def write(models_dir: Path, marker: dict) -> None:
    """Atomically (a reader sees the old marker or the new one, never half of one)."""
    models_dir.mkdir(parents=True, exist_ok=True)
    tmp = models_dir / f".{paths.ACTIVE_MARKER}.{os.getpid()}"
    tmp.write_text(json.dumps(marker, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, models_dir / paths.ACTIVE_MARKER)


def accepted(models_dir: Path = paths.MODELS_DIR, project: Path = paths.PROJECT_DIR) -> tuple:
    """The model names a server may serve now: the active one, and during a switch
    also the one being loaded."""
    names = [paths.current_model(models_dir, project).name]
    marker = read(models_dir)
    if marker and marker.get("switching_to"):
        names.append(marker["switching_to"])
    return tuple(names)


def activate(models_dir: Path, model: Path, scores: Mapping) -> None:
    """Name `model` (a file in `models_dir`) the active one, with its scores."""
    marker = read(models_dir) or {}
    write(
        models_dir,
        {
            "model": model.name,
            "scores": dict(scores),
            "activated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),  # noqa: UP017
            "switching_to": None,
            "previous": marker.get("model"),
        },
    )


def begin_switch(models_dir: Path, model: Path) -> None:
    marker = read(models_dir)
    if marker is not None:
        write(models_dir, {**marker, "switching_to": model.name})


def abort_switch(models_dir: Path) -> None:
    marker = read(models_dir)
    if marker is not None:
        write(models_dir, {**marker, "switching_to": None})


COMPARED = ("macro_f1", "accuracy")


def worse(candidate: Mapping, active: Mapping, prefix: str = "") -> list[str]:
    """Every macro-F1 and accuracy of `active` that `candidate` does not reach (nested
    dicts, e.g. {"locked": {"customer": {"macro_f1": 0.95}}, "cv": {...}}); a score the
    candidate lacks counts as not reached. Empty: not worse anywhere."""
    found = []
    for key, old in active.items():
        new = candidate.get(key) if isinstance(candidate, Mapping) else None
        where = f"{prefix}{key}"
        if isinstance(old, Mapping):
            found += worse(new if isinstance(new, Mapping) else {}, old, where + ".")
        elif key in COMPARED and (not isinstance(new, int | float) or new < old):
            found.append(f"{where}: {new} < {old}")
    return found


def put_model(url: str, token: str | None, model: Path, timeout: float = 600.0) -> None:
    """`PUT /model` on a running Rasa server; raises OSError when it does not take it."""
    query = "?" + urllib.parse.urlencode({"token": token}) if token else ""
    request = urllib.request.Request(
        f"{url.rstrip('/')}/model{query}",
        data=json.dumps({"model_file": str(model.resolve())}).encode(),
        headers={"Content-Type": "application/json"},
        method="PUT",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as resp:
            if resp.status != 204:
                raise OSError(f"{url}: PUT /model answered {resp.status}")
    except urllib.error.HTTPError as exc:
        raise OSError(f"{url}: PUT /model answered {exc.code}: {exc.read()[:300]!r}") from exc
