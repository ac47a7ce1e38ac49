"""Issuer keys can be revoked (compromised), not only retired (rotated out).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07 13:30:00

"""
from collections.abc import Sequence
from typing import Union

from alembic import op
import sqlalchemy as sa

revision: str = '0004'
down_revision: Union[str, Sequence[str], None] = '0003'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.add_column('issuer_keys', sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('issuer_keys', sa.Column('revocation_reason', sa.String(length=500), nullable=True))


def downgrade() -> None:
    op.drop_column('issuer_keys', 'revocation_reason')
    op.drop_column('issuer_keys', 'revoked_at')
