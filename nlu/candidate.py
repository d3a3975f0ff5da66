"""Gated training: a candidate model becomes active only when it is not worse.

`train_gated(project, models_dir)` trains the project (its config.yml, domain.yml,
data/ and dict/) into `models_dir/candidates/`, scores it, and compares the scores
with the active model's, stored beside it in the active marker (nlu/activation.py):

- the locked sets, through the final evaluation (`bench.nlu_accuracy.locked_scores`,
  the only code that may read them: the gate sees macro-F1 and accuracy per set,
  never a line);
- k-fold cross-validation on the candidate's own training data (`aftercare_nlu.crossval`,
  stratified folds on a fixed seed, default k=3: the same CV as `bench.nlu_cv`, scored
  like the server decides). Cheaper than cross-validating the served pipeline, and
  honest: every fold's model is trained without its held-out lines.

Each macro-F1 and accuracy must be at least the active model's. A better candidate is
moved into `models_dir`, the running servers are switched to it (`PUT /model`, no
restart), and the marker names it with its scores; a worse one is left in
`candidates/` with a report of why, and nothing else changes. `baseline` scores the
model being served before any gate ran (a models dir without a marker).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from nlu import activation, commands, paths

FOLDS = 3
KEEP_MODELS = 3


@dataclass
class Outcome:
    activated: bool
    model: Path
    scores: dict
    active_scores: dict | None = None
    reasons: list[str] = field(default_factory=list)
    switched: list[str] = field(default_factory=list)  # servers now serving it

    def as_json(self) -> dict:
        return {
            "activated": self.activated,
            "model": self.model.name,
            "scores": self.scores,
            "active_scores": self.active_scores,
            "worse": self.reasons,
            "switched": self.switched,
        }


def locked_scores(model: Path) -> dict:
    # The final evaluation owns the locked set; the gate only asks it for the scores.
    from bench.nlu_accuracy import locked_scores as final_evaluation

    return final_evaluation(model)


def cv_scores(project: Path, folds: int = FOLDS) -> dict:
    """Macro-F1 and accuracy of k-fold CV on the project's training data, the served
    pipeline's decision (ensemble, fallback, social rules) as config.yml sets it."""
    with tempfile.TemporaryDirectory(prefix="aftercare-cv-") as out:
        cmd = [
            str(paths.rasa_venv() / "bin" / "python"), "-m", "aftercare_nlu.crossval",
            "--folds", str(folds), "--out", out, "--config", str(project / "config.yml"),
        ]  # fmt: skip
        proc = subprocess.run(
            cmd, cwd=project, env=paths.rasa_env(), stdout=subprocess.PIPE, stderr=sys.stderr
        )
        if proc.returncode != 0:
            raise RuntimeError(f"cross-validation failed (exit {proc.returncode})")
    # Rasa prints "Your Rasa model is trained ..." on stdout too: the report is the
    # JSON document from the last line that is a bare "{".
    lines = proc.stdout.decode().splitlines()
    start = max(i for i, line in enumerate(lines) if line == "{")
    row = json.loads("\n".join(lines[start:]))["configured"]
    return {"folds": folds, "macro_f1": row["macro_f1"], "accuracy": row["accuracy"]}


def scores(model: Path, project: Path, folds: int = FOLDS, beat: dict | None = None) -> dict:
    """Locked-set and CV scores. Given the scores to `beat`, a model already worse on
    the locked sets is not cross-validated (it cannot pass; CV is the slow part)."""
    found = {"locked": locked_scores(model)}
    if beat and activation.worse(found, {"locked": beat.get("locked", {})}):
        return found
    return {**found, "cv": cv_scores(project, folds)}


def baseline(project: Path, models_dir: Path, folds: int = FOLDS, say=print) -> bool:
    """Before the first gate: store the scores of the model the project serves now (its
    data is the project's as it is), so a candidate has something to beat. True when
    a marker was written."""
    if activation.read(models_dir) is not None:
        return False
    model = paths.current_model(models_dir, project)
    if not model.exists():
        return False
    say(f"scoring the active model {model.name} (first gated training) ...")
    activation.activate(models_dir, model, scores(model, project, folds))
    return True


def train_gated(
    project: Path,
    models_dir: Path,
    *,
    folds: int = FOLDS,
    servers: Sequence[str] = (),
    token: str | None = None,
    say: Callable[[str], None] = print,
) -> Outcome:
    name = paths.model_name(project)
    model = models_dir / f"{name}.tar.gz"
    marker = activation.read(models_dir)
    if marker is not None and marker["model"] == model.name and model.exists():
        say(f"NLU model {model.name} is active already")
        return Outcome(True, model, marker.get("scores") or {}, marker.get("scores"))
    pool = models_dir / "candidates"
    say(f"training candidate {name} ...")
    rc = commands.rasa_train(project / "config.yml", pool, name, project=project)
    candidate = pool / f"{name}.tar.gz"
    if rc != 0 or not candidate.exists():
        raise RuntimeError(f"rasa train failed (exit {rc})")
    say("scoring the candidate: locked sets and cross-validation ...")
    active = marker.get("scores") if marker else None
    found = scores(candidate, project, folds, beat=active)
    reasons = activation.worse(found, active) if active else []
    outcome = Outcome(not reasons, candidate, found, active, reasons)
    report = pool / f"{name}.json"
    report.write_text(json.dumps(outcome.as_json(), ensure_ascii=False, indent=1), "utf-8")
    if reasons:
        say("candidate NOT activated, worse than the active model: " + "; ".join(reasons))
        return outcome
    shutil.move(candidate, model)
    outcome.model = model
    outcome.switched = switch(models_dir, model, found, servers, token)
    _prune(models_dir)
    say(f"NLU model {model.name} active" + (f" on {', '.join(servers)}" if servers else ""))
    return outcome


def switch(
    models_dir: Path, model: Path, found: dict, servers: Sequence[str], token: str | None
) -> list[str]:
    """Every running server to `model`, then the marker; on a refusal the servers
    already switched go back to the old model and the old one stays active."""
    old = paths.current_model(models_dir)
    activation.begin_switch(models_dir, model)
    done: list[str] = []
    try:
        for url in servers:
            activation.put_model(url, token, model)
            done.append(url)
    except OSError:
        for url in done:
            activation.put_model(url, token, old)
        activation.abort_switch(models_dir)
        raise
    activation.activate(models_dir, model, found)
    return done


def _prune(models_dir: Path) -> None:
    marker = activation.read(models_dir) or {}
    keep = {marker.get("model"), marker.get("previous")}
    models = sorted(models_dir.glob("nlu-*.tar.gz"), key=lambda p: p.stat().st_mtime)
    for old in [m for m in models if m.name not in keep][: max(0, len(models) - KEEP_MODELS)]:
        old.unlink(missing_ok=True)
