"""Do two NLU models answer identically? For changes meant to be speed-only.

    .venv/bin/python -m bench.nlu_identity snapshot MODEL.tar.gz OUT.json
    .venv/bin/python -m bench.nlu_identity compare BEFORE.json AFTER.json

`snapshot` serves MODEL on a free loopback port and saves the `/model/parse` response
for every test-split line and every training example (~1 500 texts, ~1.5 min on 2
cores). `compare` requires the same intent and intent ranking order, confidences
within 1e-6, and the same entities (type, value, start, end, extractor); it prints
the counts and the first differences, and exits 1 if any response differs. Copy the
old model out of var/nlu/models before retraining: training prunes old models.
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.request
from pathlib import Path

from nlu import metrics, paths, server, trainingdata

TOLERANCE = 1e-6
ENTITY_KEYS = ("entity", "value", "start", "end", "extractor")


def snapshot(model: Path, out: Path) -> int:
    texts = [t for _, t in metrics.read_tsv(paths.TESTSET)]
    texts += [t for _, t in trainingdata.read_examples()]
    responses = []
    with server.running(model=model) as srv:
        for text in texts:
            request = urllib.request.Request(
                f"{srv.url}/model/parse?token={srv.token}",
                data=json.dumps({"text": text}).encode(),
                headers={"Content-Type": "application/json"},
            )
            with urllib.request.urlopen(request, timeout=30) as resp:
                responses.append(json.loads(resp.read()))
    out.write_text(json.dumps(responses, ensure_ascii=False), encoding="utf-8")
    print(f"{len(responses)} responses -> {out}")
    return 0


def differences(before: dict, after: dict) -> list[str]:
    found = []
    if before["text"] != after["text"]:
        return ["text"]
    if (before.get("intent") or {}).get("name") != (after.get("intent") or {}).get("name"):
        found.append("intent")
    ranked = [before.get("intent", {}), *before.get("intent_ranking", [])]
    other = [after.get("intent", {}), *after.get("intent_ranking", [])]
    if [r.get("name") for r in ranked] != [r.get("name") for r in other]:
        found.append("ranking order")
    elif any(
        abs(r.get("confidence", 0.0) - s.get("confidence", 0.0)) > TOLERANCE
        for r, s in zip(ranked, other, strict=True)
    ):
        found.append("confidence")
    entities = [[e.get(k) for k in ENTITY_KEYS] for e in before.get("entities", [])]
    if entities != [[e.get(k) for k in ENTITY_KEYS] for e in after.get("entities", [])]:
        found.append("entities")
    return found


def compare(before_path: Path, after_path: Path) -> int:
    before = json.loads(before_path.read_text(encoding="utf-8"))
    after = json.loads(after_path.read_text(encoding="utf-8"))
    if len(before) != len(after):
        print(f"different lengths: {len(before)} vs {len(after)}")
        return 1
    pairs = list(zip(before, after, strict=True))
    differing = [(b["text"], d) for b, a in pairs if (d := differences(b, a))]
    identical = sum(b == a for b, a in pairs)
    print(f"{len(before)} responses: {len(differing)} differ, {identical} byte-identical")
    for text, what in differing[:20]:
        print(f"  {text}: {', '.join(what)}")
    return 1 if differing else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    snap = sub.add_parser("snapshot")
    snap.add_argument("model", type=Path)
    snap.add_argument("out", type=Path)
    comp = sub.add_parser("compare")
    comp.add_argument("before", type=Path)
    comp.add_argument("after", type=Path)
    args = parser.parse_args(argv)
    if args.command == "snapshot":
        return snapshot(args.model, args.out)
    return compare(args.before, args.after)


if __name__ == "__main__":
    sys.exit(main())
