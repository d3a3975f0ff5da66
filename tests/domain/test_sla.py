"""SLA deadlines per SPEC section 4, on the shipped 2026 calendar (08:30-17:30)."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from backend.domain import sla
from backend.domain.calendar import WorkingCalendar
from backend.domain.kinds import RegionClass, TicketKind
from backend.domain.sla import ClockRule, SlaPolicy

SH = ZoneInfo("Asia/Shanghai")
CAL = WorkingCalendar.load()
POLICY = SlaPolicy()


def at(month, day, hour=0, minute=0, year=2026):
    return datetime(year, month, day, hour, minute, tzinfo=SH)


def on_site(registered_at, region, policy=POLICY):
    (clock,) = sla.registration_deadlines(
        TicketKind.REPAIR, registered_at, policy, CAL, region_class=region
    )
    assert clock.clock == sla.ON_SITE
    assert clock.started_at == registered_at
    return clock


def test_the_defaults_are_the_spec_numbers():
    assert POLICY.on_site[RegionClass.CITY] == ClockRule(6, working=True)
    assert POLICY.on_site[RegionClass.SUBURB] == ClockRule(7, working=True)
    assert POLICY.on_site[RegionClass.REMOTE] == ClockRule(24, working=False)
    assert POLICY.fix == ClockRule(4, working=False)
    assert POLICY.complaint_ack == ClockRule(24, working=False)
    assert POLICY.complaint_close_domestic == ClockRule(13 * 24, working=False)
    assert POLICY.complaint_close_abroad == ClockRule(17 * 24, working=False)
    assert POLICY.warn_ratio == 0.8


@pytest.mark.parametrize(
    ("registered", "region", "warn", "due"),
    [
        # city, 6 working hours; warning at 4.8 h = 4 h 48 min
        (at(11, 23, 10), RegionClass.CITY, at(11, 23, 14, 48), at(11, 23, 16)),
        # city registered late on Friday: 1.5 h Friday, 4.5 h Monday; warn 3.3 h Monday
        (at(11, 27, 16), RegionClass.CITY, at(11, 30, 11, 48), at(11, 30, 13)),
        # city registered in the evening: the clock starts next morning at 08:30
        (at(11, 23, 22), RegionClass.CITY, at(11, 24, 13, 18), at(11, 24, 14, 30)),
        # city registered before National Day: 1.5 h on 09-30, the rest on 10-08
        (at(9, 30, 16), RegionClass.CITY, at(10, 8, 11, 48), at(10, 8, 13)),
        # suburb, 7 working hours: 2.5 h Monday + 4.5 h Tuesday; warn 5.6 h = 5 h 36 min
        (at(11, 23, 15), RegionClass.SUBURB, at(11, 24, 11, 36), at(11, 24, 13)),
        # suburb registered Friday 16:00 before make-up Saturday 10-10
        (at(10, 9, 16), RegionClass.SUBURB, at(10, 10, 12, 36), at(10, 10, 14)),
        # remote: 24 calendar hours, weekends count; warn at 19.2 h = 19 h 12 min
        (at(11, 27, 16), RegionClass.REMOTE, at(11, 28, 11, 12), at(11, 28, 16)),
        # remote registered on a holiday: holidays count too
        (at(10, 1, 9), RegionClass.REMOTE, at(10, 2, 4, 12), at(10, 2, 9)),
    ],
)
def test_on_site_deadline_by_region(registered, region, warn, due):
    clock = on_site(registered, region)
    assert (clock.warn_at, clock.due_at) == (warn, due)


def test_the_fix_clock_runs_four_calendar_hours_from_arrival():
    arrived = at(11, 23, 16)
    clock = sla.arrival_deadline(arrived, POLICY, CAL)
    assert clock.clock == sla.FIX
    assert clock.started_at == arrived
    assert clock.warn_at == at(11, 23, 19, 12)  # 3.2 h
    assert clock.due_at == at(11, 23, 20)  # after closing time: calendar hours


@pytest.mark.parametrize(
    ("abroad", "close_warn", "close_due"),
    [
        # 13 days; warning at 0.8 * 312 h = 249.6 h = 10 days 9 h 36 min
        (False, at(12, 3, 19, 36), at(12, 6, 10)),
        # 17 days; warning at 0.8 * 408 h = 326.4 h = 13 days 14 h 24 min
        (True, at(12, 7, 0, 24), at(12, 10, 10)),
    ],
)
def test_complaint_clocks(abroad, close_warn, close_due):
    registered = at(11, 23, 10)
    ack, close = sla.registration_deadlines(
        TicketKind.COMPLAINT, registered, POLICY, CAL, abroad=abroad
    )
    assert ack.clock == sla.ACK
    assert (ack.warn_at, ack.due_at) == (at(11, 24, 5, 12), at(11, 24, 10))
    assert close.clock == sla.CLOSE
    assert (close.warn_at, close.due_at) == (close_warn, close_due)


def test_complaint_clocks_ignore_the_working_calendar():
    # Registered on the eve of National Day: 24 h later is a holiday, and that is the due.
    ack, close = sla.registration_deadlines(TicketKind.COMPLAINT, at(9, 30, 16), POLICY, CAL)
    assert ack.due_at == at(10, 1, 16)
    assert close.due_at == at(10, 13, 16)


def test_a_maintenance_booking_starts_no_clock():
    assert sla.registration_deadlines(TicketKind.MAINTENANCE, at(11, 23, 10), POLICY, CAL) == []


def test_which_status_stops_which_clock():
    assert sla.CLOCK_STOPPED_BY[sla.ON_SITE] == {"on_site"}
    assert sla.CLOCK_STOPPED_BY[sla.FIX] == {"resolved", "taken_back"}
    assert sla.CLOCK_STOPPED_BY[sla.ACK] == {"acknowledged", "investigating", "resolved"}
    assert sla.CLOCK_STOPPED_BY[sla.CLOSE] == {"closed"}


# --- overriding the policy -----------------------------------------------------------


def test_overriding_the_policy_from_a_mapping():
    policy = SlaPolicy.from_mapping(
        {
            "warn_ratio": 0.5,
            "on_site": {"city": {"hours": 4}, "remote": {"hours": 9, "working": True}},
            "fix": {"hours": 2, "working": True},
            "complaint_close_domestic": {"hours": 240},
        }
    )
    assert policy.warn_ratio == 0.5
    assert policy.on_site[RegionClass.CITY] == ClockRule(4, working=True)  # keeps working
    assert policy.on_site[RegionClass.SUBURB] == ClockRule(7, working=True)  # untouched
    assert policy.on_site[RegionClass.REMOTE] == ClockRule(9, working=True)
    assert policy.fix == ClockRule(2, working=True)
    assert policy.complaint_close_domestic == ClockRule(240, working=False)
    assert policy.complaint_close_abroad == ClockRule(17 * 24, working=False)

    # The overridden numbers drive the deadlines: city 4 working hours, warning at 2.
    clock = on_site(at(11, 27, 16), RegionClass.CITY, policy)
    assert (clock.warn_at, clock.due_at) == (at(11, 30, 9), at(11, 30, 11))
    # A working-hour fix clock now waits for the next morning.
    fix = sla.arrival_deadline(at(11, 23, 17), policy, CAL)
    assert fix.due_at == at(11, 24, 10)


def test_an_empty_mapping_is_the_default_policy():
    assert SlaPolicy.from_mapping({}) == SlaPolicy()
    assert SlaPolicy.load(None) == SlaPolicy()


@pytest.mark.parametrize(
    "bad",
    [
        {"warn_ratio": 0},
        {"warn_ratio": 1.5},
        {"warn_ratio": -0.2},
        {"fix": {"hours": 0}},
        {"fix": {"hours": -4}},
        {"fix": {"hours": "four"}},
        {"fix": {"hours": float("nan")}},
        {"fix": {"hours": float("inf")}},
        {"fix": 4},  # a bare number instead of a rule
        {"fix": {"hours": 4, "working": "no"}},  # bool("no") would be True
        {"fix": {"hour": 4}},  # misspelt rule key
        {"warn-ratio": 0.5},  # misspelt policy key
        {"on_site": {"moon": {"hours": 1}}},
        {"on_site": {"city": {"hours": 0}}},
        {"on_site": ["city"]},
    ],
)
def test_bad_configuration_is_refused(bad):
    with pytest.raises(ValueError):
        SlaPolicy.from_mapping(bad)
