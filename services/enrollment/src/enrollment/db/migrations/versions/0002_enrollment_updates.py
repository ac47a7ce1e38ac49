"""enrollment_updates: the learner's live status stream (ADR 0026)

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-07 13:05:00

"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: Union[str, Sequence[str], None] = "0001"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "enrollment_updates",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("enrollment_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("data", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_enrollment_updates_enrollment_id_id",
        "enrollment_updates",
        ["enrollment_id", "id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_enrollment_updates_enrollment_id_id", table_name="enrollment_updates")
    op.drop_table("enrollment_updates")
