"""Satisfaction survey scoring, follow-up rule and send time (SPEC section 5)."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from backend.domain.survey import (
    LABELS_ZH,
    QUESTIONS,
    SCORES,
    Level,
    needs_follow_up,
    satisfaction_index,
    score,
    send_time,
)

SH = ZoneInfo("Asia/Shanghai")
V, S, N, D = Level.VERY_SATISFIED, Level.SATISFIED, Level.NEUTRAL, Level.DISSATISFIED


def answers(attitude, skill, punctuality, promise):
    return {"attitude": attitude, "skill": skill, "punctuality": punctuality, "promise": promise}


def test_levels_score_100_80_60_0():
    assert SCORES == {V: 100, S: 80, N: 60, D: 0}
    assert [LABELS_ZH[level] for level in (V, S, N, D)] == ["很满意", "满意", "一般", "不满意"]


def test_the_four_questions_in_order():
    assert [key for key, _ in QUESTIONS] == ["attitude", "skill", "punctuality", "promise"]


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (answers(V, V, V, V), 100),
        (answers(S, S, S, S), 80),
        (answers(N, N, N, N), 60),
        (answers(D, D, D, D), 0),
        (answers(V, S, N, D), 60),  # (100 + 80 + 60 + 0) / 4
        (answers(V, V, V, S), 95),
        (answers(S, N, N, D), 50),  # (80 + 60 + 60 + 0) / 4
    ],
)
def test_score_is_the_mean_of_the_four_answers(given, expected):
    assert score(given) == expected


def test_score_accepts_stored_string_values():
    # The store keeps levels as plain strings; scoring them must give the same number.
    assert score(answers("very_satisfied", "satisfied", "neutral", "dissatisfied")) == 60


def test_score_needs_all_four_answers():
    with pytest.raises(KeyError):
        score({"attitude": V, "skill": V, "punctuality": V})


def test_satisfaction_index_averages_survey_scores():
    # 100, 60 and 95 average to 85.
    surveys = [answers(V, V, V, V), answers(V, S, N, D), answers(V, V, V, S)]
    assert satisfaction_index(surveys) == 85


def test_satisfaction_index_rounds_to_two_places():
    # 100, 100 and 95 average to 98.333...
    surveys = [answers(V, V, V, V), answers(V, V, V, V), answers(V, V, V, S)]
    assert satisfaction_index(surveys) == 98.33


def test_satisfaction_index_of_nothing_is_none_not_zero():
    assert satisfaction_index([]) is None


@pytest.mark.parametrize(
    ("given", "comment", "follow_up"),
    [
        (answers(V, V, V, V), None, False),
        (answers(V, V, V, V), "", False),
        (answers(N, N, N, N), "师傅挺好的", False),  # 一般 alone is no complaint
        (answers(V, V, V, D), None, True),  # any 不满意
        (answers(D, S, S, S), "", True),
        (answers(V, V, V, V), "我要投诉收费问题", True),  # a complaint in the free text
        (answers(V, V, V, V), "师傅态度差", True),
        (answers(S, S, S, S), "修完第二天又坏了，根本没修好", True),
        (answers(V, V, V, V), "非常满意，谢谢", False),
    ],
)
def test_follow_up_rule(given, comment, follow_up):
    assert needs_follow_up(given, comment) is follow_up


def test_follow_up_rule_on_stored_string_values():
    stored = answers("very_satisfied", "satisfied", "satisfied", "dissatisfied")
    assert needs_follow_up(stored, None) is True


# --- when the survey is sent ---------------------------------------------------------

TWO_HOURS = timedelta(hours=2)


def at(day, hour, minute=0, month=11):
    return datetime(2026, month, day, hour, minute, tzinfo=SH)


@pytest.mark.parametrize(
    ("resolved", "expected"),
    [
        (at(23, 10), at(23, 12)),  # daytime: two hours later
        (at(23, 18, 59), at(23, 20, 59)),  # still before 21:00
        (at(23, 19), at(24, 8)),  # would be 21:00 exactly: quiet, next morning
        (at(23, 20, 30), at(24, 8)),  # would be 22:30
        (at(23, 23), at(24, 8)),  # would be 01:00 next day
        (at(24, 4), at(24, 8)),  # would be 06:00
        (at(24, 5, 59), at(24, 8)),  # would be 07:59
        (at(24, 6), at(24, 8)),  # 08:00 exactly is allowed
        (at(24, 6, 30), at(24, 8, 30)),
        (at(31, 20, month=12), datetime(2027, 1, 1, 8, tzinfo=SH)),  # over the year end
    ],
)
def test_send_time_avoids_quiet_hours(resolved, expected):
    assert send_time(resolved, TWO_HOURS, SH) == expected


def test_send_time_uses_local_time_for_quiet_hours_and_keeps_the_callers_zone():
    # 12:30 UTC is 20:30 in Shanghai; +2 h is 22:30 local, so 08:00 local = 00:00 UTC.
    resolved = datetime(2026, 11, 23, 12, 30, tzinfo=UTC)
    sent = send_time(resolved, TWO_HOURS, SH)
    assert sent == datetime(2026, 11, 24, 0, 0, tzinfo=UTC)
    assert sent.tzinfo is UTC


@pytest.mark.parametrize("minutes", range(0, 24 * 60, 7))
def test_send_time_is_never_in_quiet_hours(minutes):
    resolved = at(23, 0) + timedelta(minutes=minutes)
    local = send_time(resolved, TWO_HOURS, SH).astimezone(SH)
    assert 8 <= local.hour < 21
    assert local >= resolved + TWO_HOURS
