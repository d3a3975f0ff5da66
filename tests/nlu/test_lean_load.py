"""The server's lean DIET load (nlu/project/aftercare_load.py) equals Rasa's own load.

Rasa builds DIET's variables by tracing and running one training step before it loads
the weights; the launcher builds them by one eager prediction step and traces the
prediction graph without AutoGraph. Both loads of the current model run here, in one
Rasa-venv process (Rasa's own load takes ~30 s on a quiet 2-core machine, the lean
one a few): every variable the lean load creates must hold the very value of Rasa's
load, and the whole pipeline's parse of a handful of texts (intent, ranking,
confidences, entities) must be the same. bench/nlu_identity.py compared the served
responses of every test and training sentence when this was introduced.
"""

from __future__ import annotations

import json
import subprocess

from nlu import paths

TEXTS = [
    "你好",
    "我家空调不制冷了，型号KFR-35GW，电话13812345678",
    "帮我查一下工单AC20240101的进度",
    "明天上午师傅能来吗，地址是北京市朝阳区建国路88号",
    "能不能快点，都等了一个星期了",
    "取消吧不修了",
    "今天天气怎么样",
    "asdfghjkl",
    "转人工",
    "谢谢，拜拜",
]

_CHECK = """
import asyncio, json, sys
import numpy as np
from rasa.core.agent import Agent
import aftercare_load
from aftercare_nlu.diet import LeanDIETClassifier

model_file, texts = sys.argv[1], json.loads(sys.argv[2])

def load(lean):
    if lean:
        aftercare_load.install()
    agent = Agent.load(model_file)
    nodes = agent.processor.graph_runner._instantiated_nodes.values()
    (diet,) = [n._component for n in nodes if isinstance(n._component, LeanDIETClassifier)]
    assert isinstance(diet.model, aftercare_load.LeanLoadingDIET) is lean
    variables = {v.name: v.numpy() for v in diet.model.variables}
    parses = [asyncio.run(agent.parse_message(t)) for t in texts]
    return variables, parses

theirs, their_parses = load(lean=False)
ours, our_parses = load(lean=True)
assert ours, "no variables"
missing = sorted(set(ours) - set(theirs))
assert not missing, missing
differ = [n for n, v in ours.items()
          if v.shape != theirs[n].shape or not np.array_equal(v, theirs[n])]
assert not differ, differ
# What only Rasa's load creates must be training state, never read when predicting.
extra = sorted(set(theirs) - set(ours))
print(json.dumps({"ours": len(ours), "extra": extra, "theirs": their_parses, "lean": our_parses}))
"""


def _intents(parse: dict) -> list[tuple[str, float]]:
    return [(r["name"], r["confidence"]) for r in parse.get("intent_ranking", [])]


def test_lean_load_gives_rasas_variables_and_parses():
    model = paths.current_model()
    assert model.exists(), f"no model {model.name}: run `aftercare nlu train`"
    proc = subprocess.run(
        [
            str(paths.rasa_venv() / "bin" / "python"),
            "-c",
            _CHECK,
            str(model),
            json.dumps(TEXTS, ensure_ascii=False),
        ],
        cwd=paths.PROJECT_DIR,
        env=paths.rasa_env(serving=True),
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    report = json.loads(proc.stdout.splitlines()[-1])
    assert report["ours"] > 20
    # Rasa's extra variables: Adam's state and the training-only loss / metric layers.
    assert all(
        "Adam" in name or "iteration" in name or "loss" in name or "acc" in name
        for name in report["extra"]
    ), report["extra"]
    for theirs, ours in zip(report["theirs"], report["lean"], strict=True):
        assert ours["intent"]["name"] == theirs["intent"]["name"], ours["text"]
        assert [n for n, _ in _intents(ours)] == [n for n, _ in _intents(theirs)], ours["text"]
        for (_, a), (_, b) in zip(_intents(ours), _intents(theirs), strict=True):
            assert abs(a - b) <= 1e-6, ours["text"]
        assert ours["entities"] == theirs["entities"], ours["text"]
