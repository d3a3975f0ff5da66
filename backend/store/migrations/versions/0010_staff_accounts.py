"""staff accounts: usernames, password hashes, personal tokens, console sessions,
hotline agents per hotline account (issue 10)

Revision ID: 0010_staff
Revises: 0005_verified_chats
"""

import sqlalchemy as sa
from alembic import op

import backend.store.types

revision = "0010_staff"
down_revision = "0007_report_snapshots"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("staff") as batch:
        batch.add_column(sa.Column("username", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("password_hash", sa.String(length=200), nullable=True))
    # Staff rows from before accounts existed get a username they can be renamed from.
    op.execute("UPDATE staff SET username = 'staff' || id WHERE username IS NULL")
    with op.batch_alter_table("staff") as batch:
        batch.alter_column("username", existing_type=sa.String(length=64), nullable=False)
        batch.create_unique_constraint(op.f("uq_staff_username"), ["username"])

    op.create_table(
        "staff_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=100), nullable=False),
        sa.Column("created_at", backend.store.types.UtcDateTime(), nullable=False),
        sa.Column("expires_at", backend.store.types.UtcDateTime(), nullable=True),
        sa.Column("revoked_at", backend.store.types.UtcDateTime(), nullable=True),
        sa.Column("last_used_at", backend.store.types.UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_staff_tokens_staff_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_staff_tokens_token_hash")),
    )
    op.create_index(op.f("ix_staff_tokens_staff_id"), "staff_tokens", ["staff_id"])

    op.create_table(
        "staff_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("id_hash", sa.String(length=64), nullable=False),
        sa.Column("csrf", sa.String(length=64), nullable=False),
        sa.Column("created_at", backend.store.types.UtcDateTime(), nullable=False),
        sa.Column("last_seen_at", backend.store.types.UtcDateTime(), nullable=False),
        sa.Column("ended_at", backend.store.types.UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_staff_sessions_staff_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_sessions")),
        sa.UniqueConstraint("id_hash", name=op.f("uq_staff_sessions_id_hash")),
    )
    op.create_index(op.f("ix_staff_sessions_staff_id"), "staff_sessions", ["staff_id"])

    op.create_table(
        "hotline_agents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_hotline_agents_staff_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hotline_agents")),
        sa.UniqueConstraint("staff_id", "agent_id", name=op.f("uq_hotline_agents_staff_id")),
    )
    op.create_index(op.f("ix_hotline_agents_staff_id"), "hotline_agents", ["staff_id"])
    # The audit log is read by subject (a user's failed logins) as well as by action.
    op.create_index(op.f("ix_audit_log_subject"), "audit_log", ["subject"])


def downgrade() -> None:
    op.drop_index(op.f("ix_audit_log_subject"), table_name="audit_log")
    for table in ("hotline_agents", "staff_sessions", "staff_tokens"):
        op.drop_index(op.f(f"ix_{table}_staff_id"), table_name=table)
        op.drop_table(table)
    with op.batch_alter_table("staff") as batch:
        batch.drop_constraint(op.f("uq_staff_username"), type_="unique")
        batch.drop_column("password_hash")
        batch.drop_column("username")
