"""Gated training and the hot switch, with real Rasa trainings of a tiny pipeline.

A candidate trained on a tiny subset of the data must not become active over a better
model; a better one must be loaded by the running server (`PUT /model` through our
launcher) while the app's client parses in a loop, without one failed parse, and the
client's readiness must follow the switch. Everything happens in tmp directories: the
shared var/nlu/models is never touched. The pipeline is jieba + character n-grams +
logistic regression, so each training takes seconds, not minutes.
"""

from __future__ import annotations

import asyncio
import json
import shutil
from collections import defaultdict

import pytest

from nlu import activation, candidate, paths, server
from nlu.client import NluClient
from nlu.trainingdata import read_examples

TINY_CONFIG = """\
recipe: default.v1
language: zh
assistant_id: gate-test
pipeline:
  - name: JiebaTokenizer
  - name: CountVectorsFeaturizer
    analyzer: char_wb
    min_ngram: 1
    max_ngram: 2
  - name: LogisticRegressionClassifier
policies: []
"""


def _project(root, per_intent: int, offset: int = 0):
    """A Rasa project of `per_intent` examples of every intent (from the real data)."""
    by_intent = defaultdict(list)
    for intent, text in read_examples():
        by_intent[intent].append(text)
    (root / "data").mkdir(parents=True)
    lines = ['version: "3.1"', "nlu:"]
    for intent, texts in sorted(by_intent.items()):
        picked = texts[offset : offset + per_intent]
        lines += [f"- intent: {intent}", "  examples: |"]
        lines += [f"    - {json.dumps(t, ensure_ascii=False)[1:-1]}" for t in picked]
    (root / "data" / "nlu.yml").write_text("\n".join(lines) + "\n", "utf-8")
    (root / "config.yml").write_text(TINY_CONFIG, "utf-8")
    shutil.copy(paths.PROJECT_DIR / "domain.yml", root / "domain.yml")
    return root


@pytest.fixture(scope="module")
def gated(tmp_path_factory):
    if not paths.rasa_executable().exists():
        pytest.fail("the Rasa venv is missing: run `make rasa-venv`", pytrace=False)
    root = tmp_path_factory.mktemp("gate")
    models = root / "models"
    first = candidate.train_gated(_project(root / "small", 3), models, say=lambda _: None)
    return root, models, first


def test_the_first_gated_model_is_active_with_its_scores(gated):
    _, models, first = gated
    assert first.activated and paths.current_model(models) == first.model
    marker = activation.read(models)
    assert set(marker["scores"]["locked"]) == {"customer", "chitchat"}
    assert 0 <= marker["scores"]["cv"]["macro_f1"] <= 1


async def test_a_better_model_is_hot_loaded_without_a_failed_parse_and_a_worse_is_not(gated):
    root, models, first = gated
    srv = server.start(model=paths.current_model(models))
    try:
        accepted = lambda: activation.accepted(models)  # noqa: E731 - what compose passes
        async with NluClient(
            srv.url, srv.token, timeout=20.0, cache_size=0, expected_model=accepted
        ) as client:
            results, stop = [], asyncio.Event()

            async def parse_in_a_loop():
                while not stop.is_set():
                    results.append(await client.parse("空调不制冷了，能派个师傅来看看吗"))
                    await client.check()  # as the app's watch does
                    await asyncio.sleep(0.05)

            loop = asyncio.create_task(parse_in_a_loop())
            better = await asyncio.to_thread(
                candidate.train_gated,
                _project(root / "big", 60),
                models,
                servers=[srv.url],
                token=srv.token,
                say=lambda _: None,
            )
            await asyncio.sleep(1.0)
            stop.set()
            await loop

            assert better.activated, better.reasons
            assert better.switched == [srv.url]
            assert paths.current_model(models) == better.model
            assert results and all(r.available for r in results), [
                r for r in results if not r.available
            ]
            served = [r.model for r in results]
            assert served[0] == first.model.name and served[-1] == better.model.name
            assert (await client.check()).ready and client.served_model == better.model.name

            worse = await asyncio.to_thread(
                candidate.train_gated, _project(root / "tiny", 3, offset=5), models,
                servers=[srv.url], token=srv.token, say=lambda _: None,
            )  # fmt: skip
            assert not worse.activated and worse.reasons
            assert paths.current_model(models) == better.model
            assert not (models / worse.model.name).exists()  # left in candidates/
            assert server.status(srv.url, srv.token)["model_file"].endswith(better.model.name)
            assert (await client.check()).ready
    finally:
        srv.stop()
