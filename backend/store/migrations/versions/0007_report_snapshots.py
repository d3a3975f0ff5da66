"""report_snapshots: the frozen monthly reports, one per month

Revision ID: 0007_report_snapshots
Revises: 0006_nlu_inbox
"""

import sqlalchemy as sa
from alembic import op

from backend.store.types import UtcDateTime

revision = "0007_report_snapshots"
down_revision = "0006_nlu_inbox"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report_snapshots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("frozen_at", UtcDateTime(), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_snapshots")),
        sa.UniqueConstraint("month", name=op.f("uq_report_snapshots_month")),
    )


def downgrade() -> None:
    op.drop_table("report_snapshots")
