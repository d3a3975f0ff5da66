"""`aftercare nlu ...`: train, serve and evaluate the Rasa NLU model.

Rasa runs from its own Python 3.10 virtualenv (.venv-rasa); these commands only
build its command lines and environment (see nlu/paths.py) and drive it as a
subprocess.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
from collections.abc import Callable

from nlu import metrics, paths, server

KEEP_MODELS = 3  # older models are pruned after a successful training


# The labelled inbox messages as (intent, text, source), from the app's store
# (backend/commands.py gives it; `python -m nlu` has no store and takes none in).
Labelled = Callable[[], list[tuple[str, str, str]]]


def register(sub: argparse._SubParsersAction, labelled: Labelled | None = None) -> None:
    nlu = sub.add_parser("nlu", help="train, serve and evaluate the Rasa NLU model")
    nlu_sub = nlu.add_subparsers(dest="nlu_command", metavar="NLU_COMMAND", required=True)

    train = nlu_sub.add_parser(
        "train",
        help="take the labelled inbox messages in and train; once gated, activate only "
        "a model that is not worse (nlu/candidate.py)",
    )
    train.add_argument("--force", action="store_true", help="train even if up to date")
    train.add_argument(
        "--gate", action="store_true", help="gate this training even without a marker"
    )
    train.add_argument("--folds", type=int, default=3, help="cross-validation folds of the gate")
    train.add_argument(
        "--url",
        default=os.environ.get("RASA_URL"),
        help="running servers to switch (comma-separated; default $RASA_URL)",
    )
    train.add_argument("--token", default=os.environ.get("RASA_TOKEN", "dev-rasa-token"))
    train.set_defaults(handler=lambda args: train_command(args, labelled))

    serve = nlu_sub.add_parser("serve", help="serve the model over HTTP (Rasa API)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=5005)
    serve.add_argument("--token", default=None, help="auth token (default: $AFTERCARE_NLU_TOKEN)")
    serve.add_argument("--model", default=None, help="model .tar.gz (default: current)")
    serve.set_defaults(handler=serve_command)

    ev = nlu_sub.add_parser("eval", help="score a TSV of intent<TAB>text through /model/parse")
    ev.add_argument("file", help="UTF-8 TSV, one `intent<TAB>text` per line, # comments")
    ev.add_argument("--url", default=None, help="a running server (default: start one)")
    ev.add_argument("--token", default=None)
    ev.add_argument("--misses", action="store_true", help="also list every wrong line")
    ev.set_defaults(handler=eval_command)


def train_command(args: argparse.Namespace, labelled: Labelled | None = None) -> int:
    """Labelled inbox messages go into data/inbox_labelled.yml first. The training is
    gated (a candidate, activated only when not worse) once a model was activated that
    way (an active marker), when labelled messages come in, or with --gate; otherwise
    (make, CI, the Docker build) it trains the current inputs as it always did."""
    from nlu import activation, candidate, trainingdata

    examples = labelled() if labelled is not None else []
    marker = activation.read(paths.MODELS_DIR)
    if not (args.gate or marker is not None or examples):
        return _train_plain(args)
    project = paths.PROJECT_DIR
    try:
        candidate.baseline(project, paths.MODELS_DIR, args.folds)
        if trainingdata.write_labelled(examples, project / "data"):
            print(f"{len(examples)} labelled inbox messages in data/{trainingdata.LABELLED_FILE}")
        servers = [u.strip() for u in (getattr(args, "url", None) or "").split(",") if u.strip()]
        outcome = candidate.train_gated(
            project, paths.MODELS_DIR, folds=args.folds, servers=servers, token=args.token
        )
    except (RuntimeError, OSError, server.NluSetupError) as exc:
        print(f"nlu train: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(outcome.as_json(), ensure_ascii=False, indent=1))
    return 0 if outcome.activated else 3


def _train_plain(args: argparse.Namespace) -> int:
    model = paths.current_model()
    if model.exists() and not args.force:
        print(f"NLU model up to date: {model}")
        return 0
    rasa = paths.rasa_executable()
    if not rasa.exists():
        print(f"{rasa} not found: run `make rasa-venv`", file=sys.stderr)
        return 2
    print(f"training NLU model {model.name} ...", flush=True)
    rc = rasa_train(paths.PROJECT_DIR / "config.yml", paths.MODELS_DIR, paths.model_name())
    if rc != 0 or not model.exists():
        print(f"rasa train failed (exit {rc})", file=sys.stderr)
        return rc or 1
    _prune_models(keep=model)
    print(f"NLU model trained: {model}")
    return 0


def rasa_train(config, out_dir, name: str, project=paths.PROJECT_DIR) -> int:
    """`rasa train nlu` on a project's data (its data/ and domain.yml; paths in the
    config, like the dictionary, are relative to it) with the given pipeline config."""
    out_dir.mkdir(parents=True, exist_ok=True)
    argv = [
        str(paths.rasa_executable()), "train", "nlu",
        "-c", str(config), "-u", "data", "-d", "domain.yml",
        "--out", str(out_dir), "--fixed-model-name", name,
    ]  # fmt: skip
    # Rasa's chatter goes to stderr, so stdout stays machine-readable (bench JSON).
    # Our components come from the repository's project whatever project is trained.
    return subprocess.call(argv, cwd=project, env=paths.rasa_env(), stdout=sys.stderr)


def _prune_models(keep) -> None:
    models = sorted(paths.MODELS_DIR.glob("nlu-*.tar.gz"), key=lambda p: p.stat().st_mtime)
    for old in [m for m in models if m != keep][: max(0, len(models) - KEEP_MODELS)]:
        old.unlink(missing_ok=True)


def serve_command(args: argparse.Namespace) -> int:
    token = args.token or os.environ.get("AFTERCARE_NLU_TOKEN") or None
    model = paths.REPO_ROOT / args.model if args.model else paths.current_model()
    try:
        argv = server.serve_argv(model, args.host, args.port, token)
    except server.NluSetupError as exc:
        print(exc, file=sys.stderr)
        return 2
    sys.stdout.flush()
    # Become the Rasa process, so whoever stops us (a test fixture, systemd, Ctrl-C)
    # stops Rasa itself and no orphan keeps the port.
    os.execve(argv[0], argv, paths.rasa_env(serving=True))
    return 0  # not reached


def eval_command(args: argparse.Namespace) -> int:
    rows = metrics.read_tsv(args.file)
    texts = [text for _, text in rows]
    if args.url:
        results = asyncio.run(parse_all(args.url, args.token, texts))
    else:
        try:
            with server.running() as srv:
                results = asyncio.run(parse_all(srv.url, srv.token, texts))
        except server.NluSetupError as exc:
            print(exc, file=sys.stderr)
            return 2
    gold = [intent for intent, _ in rows]
    report = metrics.score(gold, [r.intent for r in results])
    report["unavailable"] = sum(1 for r in results if not r.available)
    if args.misses:
        report["misses"] = [
            {"gold": g, "predicted": r.intent, "confidence": round(r.confidence, 3), "text": r.text}
            for g, r in zip(gold, results, strict=True)
            if g != r.intent
        ]
    print(json.dumps(report, ensure_ascii=False, indent=2))
    return 0


async def parse_all(url: str, token: str | None, texts: list[str]):
    from nlu.client import NluClient

    # Generous limits: an evaluation wants every answer, not a fast fallback.
    async with NluClient(url, token, timeout=30.0, retries=2, breaker_threshold=50) as client:
        return [await client.parse(text) for text in texts]
