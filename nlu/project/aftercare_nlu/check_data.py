"""Lint the training data the way Rasa will see it (run in the Rasa venv).

    cd nlu/project && PYTHONPATH=. ../../.venv-rasa/bin/python -m aftercare_nlu.check_data

Rasa silently drops an entity annotation that does not start and end on a token
boundary (rasa issues 8722, 7409, 6893); a regex-owned entity whose annotation the
regex would not reproduce teaches the extractor nothing; a code left unannotated
teaches DIET that it is not an entity. All are reported here, with duplicate examples
and examples filed under two intents. Exit 1 on any problem.
"""

from __future__ import annotations

import glob
import re
import sys
from collections import defaultdict

import jieba
from rasa.shared.nlu.training_data.loading import load_data

REGEX_OWNED = {"phone", "ticket_id", "product_model", "serial_number"}


def main(data_dir: str = "data", dict_dir: str = "dict") -> int:
    for userdict in sorted(glob.glob(f"{dict_dir}/*")):
        jieba.load_userdict(userdict)
    data = load_data(data_dir)
    patterns = defaultdict(list)
    for rx in data.regex_features:
        patterns[rx["name"]].append(re.compile(rx["pattern"], re.IGNORECASE))
    problems: list[str] = []
    seen: dict[str, str] = {}
    for ex in data.intent_examples:
        text, intent = ex.get("text"), ex.get("intent")
        if text in seen:
            problems.append(f"duplicate ({seen[text]} / {intent}): {text}")
        seen[text] = intent
        tokens = [(s, e) for w, s, e in jieba.tokenize(text) if w.strip()]
        starts, ends = {s for s, _ in tokens}, {e for _, e in tokens}
        annotated = {(e["start"], e["end"]) for e in ex.get("entities") or []}
        for name in REGEX_OWNED:
            for m in (m for p in patterns[name] for m in p.finditer(text)):
                if (m.start(), m.end()) not in annotated:
                    problems.append(f"unannotated {name} '{m.group()}': {text}")
        for ent in ex.get("entities") or []:
            span = text[ent["start"] : ent["end"]]
            if ent["start"] not in starts or ent["end"] not in ends:
                cut = "|".join(text[s:e] for s, e in tokens)
                problems.append(f"misaligned {ent['entity']} '{span}': {cut}")
            if ent["entity"] in REGEX_OWNED:
                found = {
                    (m.start(), m.end()) for p in patterns[ent["entity"]] for m in p.finditer(text)
                }
                if (ent["start"], ent["end"]) not in found:
                    problems.append(f"regex misses {ent['entity']} '{span}': {text}")
    for p in problems:
        print(p)
    print(f"{len(data.intent_examples)} examples, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
