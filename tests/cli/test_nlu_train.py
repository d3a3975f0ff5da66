"""`aftercare nlu train` takes the labelled inbox messages in and gates only when asked to
(labelled messages, an active marker, --gate): a plain models dir trains as before."""

from __future__ import annotations

import argparse
import asyncio

from backend.commands import labelled_examples
from backend.services import nlu_inbox
from backend.services.chat_api import Miss
from backend.store.db import Database
from nlu import activation, candidate, commands, paths
from nlu.trainingdata import LABELLED_FILE, read_file
from tests.fixtures.db import START


def _args(**kw) -> argparse.Namespace:
    return argparse.Namespace(
        **({"force": False, "gate": False, "folds": 3, "url": None, "token": "t"} | kw)
    )


def test_the_store_s_labelled_messages_are_what_train_takes_in(db, monkeypatch):
    async def label_one():
        store = Database(db.url)
        try:
            await store.upgrade()

            def add(session):
                nlu_inbox.keep(session, Miss("电话13812345678 那个又坏了"), "web", START)
                nlu_inbox.keep(session, Miss("还没人标的"), "web", START)

            await store.write(add)
            rows = await store.read(lambda s: nlu_inbox._items(s, labelled=False, limit=9))
            first = next(r for r in rows if "坏了" in r.text)
            await store.write(nlu_inbox._label, first.id, "report_fault", "staff:王", START)
            return first.id
        finally:
            await store.close()

    item = asyncio.run(label_one())
    monkeypatch.setenv("DATABASE_URL", db.url)
    assert labelled_examples() == [
        ("report_fault", "电话138****5678 那个又坏了", f"inbox:{item} web 2026-11-23 x1")
    ]


def test_no_store_means_nothing_taken_in(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path}/never-migrated.db")
    assert labelled_examples() == []


def _sandbox(tmp_path, monkeypatch):
    project, models = tmp_path / "nlu" / "project", tmp_path / "models"
    (project / "data").mkdir(parents=True)
    monkeypatch.setattr(paths, "PROJECT_DIR", project)
    monkeypatch.setattr(paths, "MODELS_DIR", models)
    calls = []
    monkeypatch.setattr(candidate, "baseline", lambda *a, **k: calls.append("baseline"))

    def gated(project, models_dir, **kw):
        calls.append(("gated", kw["servers"]))
        return candidate.Outcome(True, models_dir / "nlu-x.tar.gz", {})

    monkeypatch.setattr(candidate, "train_gated", gated)
    monkeypatch.setattr(commands, "_train_plain", lambda args: calls.append("plain") or 0)
    return project, models, calls


def test_without_labels_or_marker_it_trains_as_before(tmp_path, monkeypatch):
    project, _, calls = _sandbox(tmp_path, monkeypatch)
    assert commands.train_command(_args(), labelled=lambda: []) == 0
    assert calls == ["plain"] and not (project / "data" / LABELLED_FILE).exists()


def test_labelled_messages_are_written_and_the_training_is_gated(tmp_path, monkeypatch):
    project, _, calls = _sandbox(tmp_path, monkeypatch)
    rows = [("complain", "师傅态度太差了我要投诉他", "inbox:7 web 2026-11-23 x2")]
    rc = commands.train_command(_args(url="http://a:1, http://b:2"), labelled=lambda: rows)
    assert rc == 0
    assert calls == ["baseline", ("gated", ["http://a:1", "http://b:2"])]
    assert read_file(project / "data" / LABELLED_FILE) == [("complain", "师傅态度太差了我要投诉他")]
    assert "inbox:7" in (tmp_path / "nlu" / "corpora" / "inbox.tsv").read_text("utf-8")


def test_an_active_marker_gates_every_training(tmp_path, monkeypatch):
    _, models, calls = _sandbox(tmp_path, monkeypatch)
    activation.write(models, {"model": "nlu-old.tar.gz", "scores": {}})
    assert commands.train_command(_args(), labelled=lambda: []) == 0
    assert calls[-1] == ("gated", [])
    assert paths.current_model(models).name == "nlu-old.tar.gz"
