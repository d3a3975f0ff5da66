"""units: an index on upper(serial_number), how every lookup of a unit matches it

Revision ID: 0004_units_serial_upper
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_units_serial_upper"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_units_serial_upper", "units", [sa.text("upper(serial_number)")], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_units_serial_upper", table_name="units")
