"""staff_links: one-time Telegram binding links for staff accounts (issue 12)

Revision ID: 0011_staff_links
Revises: 0010_staff
"""

import sqlalchemy as sa
from alembic import op

import backend.store.types

revision = "0011_staff_links"
down_revision = "0010_staff"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "staff_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", backend.store.types.UtcDateTime(), nullable=False),
        sa.Column("expires_at", backend.store.types.UtcDateTime(), nullable=False),
        sa.Column("used_at", backend.store.types.UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_staff_links_staff_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_links")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_staff_links_token_hash")),
    )
    op.create_index(op.f("ix_staff_links_staff_id"), "staff_links", ["staff_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_staff_links_staff_id"), table_name="staff_links")
    op.drop_table("staff_links")
