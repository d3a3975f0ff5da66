"""GET /api/vocabulary serves the domain's own tables with their Chinese labels, and the
console asks for it instead of carrying a copy."""

from __future__ import annotations

import re
from importlib import resources

import pytest

from backend.domain import lifecycle, sla
from backend.domain.kinds import Channel, RegionClass, ServiceCategory, Severity, TicketKind
from tests.api.conftest import STAFF
from tests.fixtures.staff import sign_in

CJK = re.compile(r"[\u4e00-\u9fff]")


async def _vocabulary(api) -> dict:
    resp = await api.get("/api/vocabulary", headers=STAFF)
    assert resp.status == 200
    return await resp.json()


async def test_needs_the_staff_token(api):
    assert (await api.get("/api/vocabulary")).status == 401


async def test_every_kind_and_status_is_labelled_with_the_lifecycles_moves(api):
    v = await _vocabulary(api)
    assert list(v["kinds"]) == [k.value for k in TicketKind]
    for kind in TicketKind:
        served = v["kinds"][kind.value]
        assert CJK.search(served["label"])
        assert served["initial"] == lifecycle.initial_status(kind)
        machine = lifecycle.MACHINES[kind]
        assert set(served["statuses"]) == set(machine)
        for status, moves in machine.items():
            entry = served["statuses"][status]
            assert CJK.search(entry["label"]), (kind, status)
            assert entry["moves"] == list(moves), (kind, status)
            assert entry["final"] is (status in lifecycle.FINAL)
            assert entry["assignable"] is lifecycle.can_assign(kind, status)
        assert served["move_needs"] == dict(lifecycle.MOVE_NEEDS[kind])
    assert v["final_statuses"] == sorted(lifecycle.FINAL)


async def test_categories_clocks_regions_severities_channels_are_labelled(api):
    v = await _vocabulary(api)
    assert list(v["categories"]) == [c.value for c in ServiceCategory]
    assert all(
        CJK.search(c["label"]) and CJK.search(c["description"]) for c in v["categories"].values()
    )
    for name, codes in [
        ("clocks", list(sla.CLOCKS)),
        ("region_classes", [r.value for r in RegionClass]),
        ("severities", [s.value for s in Severity]),
        ("channels", [c.value for c in Channel]),
    ]:
        assert list(v[name]) == codes, name
        assert all(label.strip() for label in v[name].values()), name
    assert all(CJK.search(label) for label in v["clocks"].values())
    assert all(CJK.search(label) for label in v["region_classes"].values())


def test_the_lifecycle_extras_name_real_statuses_and_edges():
    for kind in TicketKind:
        machine = lifecycle.MACHINES[kind]
        assert lifecycle.ASSIGNABLE[kind] <= set(machine) - lifecycle.FINAL
        for target in lifecycle.MOVE_NEEDS[kind]:
            assert any(target in moves for moves in machine.values()), (kind, target)


def _scripts() -> list[tuple[str, str]]:
    """Every script of the console's pages (backend/api/static/*.js)."""
    static = resources.files("backend.api").joinpath("static")
    return [(f.name, f.read_text("utf-8")) for f in static.iterdir() if f.name.endswith(".js")]


@pytest.mark.parametrize("name", [name for name, _ in _scripts()])
def test_no_console_script_keeps_a_copy_of_the_codes(name):
    """No status, kind, category, clock or region code as a string literal or an object
    key in any console script: labels come from the templates (the domain's vocabulary)
    or /api/vocabulary, and moves from the server."""
    script = dict(_scripts())[name]
    codes = {s for machine in lifecycle.MACHINES.values() for s in machine}
    codes |= {k.value for k in TicketKind} | {c.value for c in ServiceCategory}
    codes |= set(sla.CLOCKS) | {r.value for r in RegionClass}
    for code in sorted(codes):
        for literal in (f'"{code}"', f"'{code}'", f"`{code}`"):
            assert literal not in script, literal
        assert not re.search(rf"[{{,]\s*{code}\s*:", script), f"{code} as an object key"
    for label in ("已受理", "已派工", "报修", "免费"):  # nor their Chinese labels
        assert label not in script, label


async def test_the_console_is_served_to_a_signed_in_user(api):
    signed_out = await api.get("/console/queue", allow_redirects=False)
    assert signed_out.status == 303
    assert signed_out.headers["Location"] == "/console/login?next=/console/queue"
    _, csrf = await sign_in(api, "dispatcher")
    resp = await api.get("/console/queue")
    assert resp.status == 200 and f'<meta name="csrf-token" content="{csrf}">' in await resp.text()
