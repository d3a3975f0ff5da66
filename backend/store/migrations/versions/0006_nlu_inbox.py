"""nlu_inbox: misunderstood customer messages kept (masked) for labelling

Revision ID: 0006_nlu_inbox
Revises: 0005_verified_chats
"""

import sqlalchemy as sa
from alembic import op

import backend.store.types

revision = "0006_nlu_inbox"
down_revision = "0005_verified_chats"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "nlu_inbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("text_key", sa.String(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("likely_intent", sa.String(length=64), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("top_intents", sa.JSON(), nullable=False),
        sa.Column("model", sa.String(length=64), nullable=True),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("first_seen", backend.store.types.UtcDateTime(), nullable=False),
        sa.Column("last_seen", backend.store.types.UtcDateTime(), nullable=False),
        sa.Column("label", sa.String(length=64), nullable=True),
        sa.Column("labelled_by", sa.String(length=64), nullable=True),
        sa.Column("labelled_at", backend.store.types.UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nlu_inbox")),
        sa.UniqueConstraint("text_key", name=op.f("uq_nlu_inbox_text_key")),
    )
    with op.batch_alter_table("nlu_inbox", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_nlu_inbox_likely_intent"), ["likely_intent"])
        batch_op.create_index(batch_op.f("ix_nlu_inbox_label"), ["label"])


def downgrade() -> None:
    with op.batch_alter_table("nlu_inbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_nlu_inbox_label"))
        batch_op.drop_index(batch_op.f("ix_nlu_inbox_likely_intent"))
    op.drop_table("nlu_inbox")
