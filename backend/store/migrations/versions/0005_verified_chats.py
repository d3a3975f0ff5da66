"""verified chats: channel_identities.verified_at and the SMS one-time codes

A chat is bound to a customer only once it proved it is them (an SMS code, Telegram's
own-contact share, a host site's signed identity); `verified_at` says when. Bindings
made before this revision by a typed phone number stay unverified; Telegram chats that
shared their own contact (the conversation state's "verified") become verified.

Revision ID: 0005_verified_chats
Revises: 0004_units_serial_upper
"""

import sqlalchemy as sa
from alembic import op

import backend.store.types

revision = "0005_verified_chats"
down_revision = "0004_units_serial_upper"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("channel_identities", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("verified_at", backend.store.types.UtcDateTime(), nullable=True)
        )
    # Telegram chats that shared their own contact before (the state's "verified") were
    # verified then; a binding by a typed phone was not.
    op.execute(
        sa.text(
            "UPDATE channel_identities SET verified_at = created_at"
            " WHERE customer_id IS NOT NULL AND channel = 'telegram' AND EXISTS ("
            " SELECT 1 FROM conversations c WHERE c.channel = channel_identities.channel"
            " AND c.external_id = channel_identities.external_id"
            " AND CAST(c.state AS TEXT) LIKE '%\"verified\": true%')"
        )
    )
    op.create_table(
        "sms_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("external_id", sa.String(length=128), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", backend.store.types.UtcDateTime(), nullable=False),
        sa.Column("expires_at", backend.store.types.UtcDateTime(), nullable=False),
        sa.Column("tries", sa.Integer(), nullable=False),
        sa.Column("used_at", backend.store.types.UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sms_codes")),
    )
    with op.batch_alter_table("sms_codes", schema=None) as batch_op:
        batch_op.create_index("ix_sms_codes_chat", ["channel", "external_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_sms_codes_phone"), ["phone"], unique=False)
        batch_op.create_index(batch_op.f("ix_sms_codes_created_at"), ["created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("sms_codes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sms_codes_created_at"))
        batch_op.drop_index(batch_op.f("ix_sms_codes_phone"))
        batch_op.drop_index("ix_sms_codes_chat")
    op.drop_table("sms_codes")
    with op.batch_alter_table("channel_identities", schema=None) as batch_op:
        batch_op.drop_column("verified_at")
