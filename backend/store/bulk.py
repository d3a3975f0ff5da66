"""Bulk statements that stay cheap on both backends."""

from __future__ import annotations

from sqlalchemy import ColumnElement, String, any_, bindparam
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session
from sqlalchemy.types import NullType


def among(session: Session, expr: ColumnElement, values: list) -> ColumnElement[bool]:
    """`expr IN (values)`. On PostgreSQL one array parameter (`= ANY(:values)`) instead
    of one bound parameter per value: thousands of keys compile and travel as one.
    An expression of no known type (a SQL function's result) is taken for text."""
    if session.get_bind().dialect.name != "postgresql":
        return expr.in_(values)
    item = String() if isinstance(expr.type, NullType) else expr.type
    return expr == any_(bindparam(None, values, type_=ARRAY(item)))
