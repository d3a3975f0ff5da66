"""Bulk statements that stay cheap on both backends."""

from __future__ import annotations

from sqlalchemy import ColumnElement, String, bindparam, func, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session
from sqlalchemy.types import NullType


def among(session: Session, expr: ColumnElement, values: list) -> ColumnElement[bool]:
    """`expr IN (values)` for thousands of values.

    On PostgreSQL the values travel as one array parameter, and as a set
    (`IN (SELECT unnest(:values))`), not as `= ANY(:values)`: right after a bulk load,
    before ANALYZE, the planner guesses that `= ANY` of thousands of values matches most
    of the table and scans it, comparing each row with every value (minutes for 100,000
    units); a set of unknown size it joins through the index. An expression of no
    known type (a SQL function's result) is taken for text."""
    if session.get_bind().dialect.name != "postgresql":
        return expr.in_(values)
    item = String() if isinstance(expr.type, NullType) else expr.type
    return expr.in_(select(func.unnest(bindparam(None, values, type_=ARRAY(item)))))
