"""The Grafana dashboard charts only metrics the app defines."""

from __future__ import annotations

import json
import re
from pathlib import Path

from backend.metrics import Metrics

DASHBOARD = Path(__file__).resolve().parents[2] / "deploy" / "grafana" / "aftercare.json"


def test_the_dashboard_names_only_metrics_that_exist():
    names = {s.name for m in Metrics().registry.collect() for s in m.samples}
    names |= {m.name for m in Metrics().registry.collect()}
    used = set()
    for panel in json.loads(DASHBOARD.read_text())["panels"]:
        for target in panel["targets"]:
            used |= set(re.findall(r"aftercare_[a-z_]+", target["expr"]))
    assert used, "no queries"
    # Histograms and counters expose _bucket/_count/_total samples only once observed.
    known = {n for n in used if n in names or n.rsplit("_", 1)[0] in names}
    assert used == known, used - known
    assert {"aftercare_outbox_pending", "aftercare_limit_refusals_total"} <= used
