"""surveys remember their chat and open comment; web messages keep buttons

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("buttons", sa.JSON(), nullable=True))
    with op.batch_alter_table("surveys") as batch:
        batch.add_column(sa.Column("channel", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("chat_id", sa.String(length=128), nullable=True))
        # Existing rows have no open comment question.
        batch.add_column(
            sa.Column("awaiting_comment", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.create_index("ix_surveys_chat", ["channel", "chat_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("surveys") as batch:
        batch.drop_index("ix_surveys_chat")
        batch.drop_column("awaiting_comment")
        batch.drop_column("chat_id")
        batch.drop_column("channel")
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("buttons")
