"""Satisfaction survey scoring (SPEC section 5)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo


class Level(StrEnum):
    VERY_SATISFIED = "very_satisfied"  # 很满意
    SATISFIED = "satisfied"  # 满意
    NEUTRAL = "neutral"  # 一般
    DISSATISFIED = "dissatisfied"  # 不满意


SCORES: Mapping[Level, int] = {
    Level.VERY_SATISFIED: 100,
    Level.SATISFIED: 80,
    Level.NEUTRAL: 60,
    Level.DISSATISFIED: 0,
}

LABELS_ZH: Mapping[Level, str] = {
    Level.VERY_SATISFIED: "很满意",
    Level.SATISFIED: "满意",
    Level.NEUTRAL: "一般",
    Level.DISSATISFIED: "不满意",
}

# The four questions about the technician, in the order they are asked.
QUESTIONS: tuple[tuple[str, str], ...] = (
    ("attitude", "服务态度"),
    ("skill", "技术水平"),
    ("punctuality", "到达及时性"),
    ("promise", "承诺事项的办理"),
)

COMPLAINT_WORDS = ("投诉", "不满", "太差", "骗", "乱收费", "态度差", "没修好", "举报")


def score(answers: Mapping[str, Level]) -> float:
    """One survey's score: the mean of its four answers on the 100/80/60/0 scale."""
    values = [SCORES[answers[q]] for q, _ in QUESTIONS]
    return sum(values) / len(values)


def satisfaction_index(surveys: Iterable[Mapping[str, Level]]) -> float | None:
    """Mean of the answered surveys' scores (0-100); None when there are none."""
    scores = [score(s) for s in surveys]
    return round(sum(scores) / len(scores), 2) if scores else None


def needs_follow_up(answers: Mapping[str, Level], comment: str | None) -> bool:
    """Any 不满意, or a complaint in the free text, opens a follow-up complaint."""
    # Compare by value: answers read back from the store are plain strings, not Levels.
    if any(level == Level.DISSATISFIED for level in answers.values()):
        return True
    return bool(comment) and any(word in comment for word in COMPLAINT_WORDS)


QUIET_START = time(21, 0)
QUIET_END = time(8, 0)


def send_time(resolved_at: datetime, delay: timedelta, tz: ZoneInfo) -> datetime:
    """When to send the survey: `delay` after resolution, moved out of quiet hours."""
    due = (resolved_at + delay).astimezone(tz)
    if due.time() >= QUIET_START:
        due = datetime.combine(due.date() + timedelta(days=1), QUIET_END, tz)
    elif due.time() < QUIET_END:
        due = datetime.combine(due.date(), QUIET_END, tz)
    return due.astimezone(resolved_at.tzinfo)
