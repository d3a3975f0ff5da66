"""Cross-validate the intent ensemble on the training data (never the test split).

    .venv/bin/python -m bench.nlu_cv [--folds 5 | --split retired [--sets sixth,seventh]]
        [--config candidate.yml --out var/nlu/cv-candidate] [--reuse]

Runs aftercare_nlu.crossval in the Rasa venv: k stratified folds of
nlu/project/data, DIET trained per fold with the project's settings, the char n-gram
logistic regression beside it, and the ensemble's (weight, temperature) grid scored
through the same fallback thresholds as config.yml. Takes ~3 min per fold on 2 cores;
`--reuse` rescores the rankings saved in var/nlu/cv/. `--split retired` holds out one
retired locked set per fold instead (aftercare_nlu.crossval explains why), saved in
var/nlu/cv-retired/. `--config` scores another pipeline file (relative to nlu/project, or
absolute) on the same folds, into `--out`. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
from pathlib import Path

from nlu import paths

OUT_DIR = paths.REPO_ROOT / "var" / "nlu" / "cv"
RETIRED_OUT_DIR = paths.REPO_ROOT / "var" / "nlu" / "cv-retired"


def out_dir(split: str) -> Path:
    return RETIRED_OUT_DIR if split == "retired" else OUT_DIR


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--split", choices=["stratified", "retired"], default="stratified")
    parser.add_argument("--sets", default="", help="retired sets to hold out (default all)")
    parser.add_argument("--config", default="config.yml")
    parser.add_argument("--out", type=Path, help="where the rankings go")
    parser.add_argument("--reuse", action="store_true")
    args = parser.parse_args(argv)
    out = (args.out or out_dir(args.split)).resolve()
    config = (paths.PROJECT_DIR / args.config).resolve()
    cmd = [
        str(paths.rasa_venv() / "bin" / "python"), "-m", "aftercare_nlu.crossval",
        "--folds", str(args.folds), "--split", args.split, "--out", str(out),
        f"--sets={args.sets}", f"--config={config}",
    ]  # fmt: skip
    if args.reuse:
        cmd.append("--reuse")
    # Rasa's chatter goes to stderr; stdout is the JSON report.
    rc = subprocess.call(cmd, cwd=paths.PROJECT_DIR, env=paths.rasa_env())
    if rc == 0 and not args.reuse:
        # Which training data the saved rankings belong to (bench.nlu_accuracy checks).
        meta = {
            "data_hash": data_hash(),
            "folds": args.folds,
            "split": args.split,
            "sets": args.sets,
            "config": str(config),
        }
        (out / "rankings.meta.json").write_text(json.dumps(meta), encoding="utf-8")
    return rc


def data_hash() -> str:
    digest = hashlib.sha256()
    for path in sorted((paths.PROJECT_DIR / "data").glob("*.yml")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


if __name__ == "__main__":
    sys.exit(main())
