"""API refunds keep a digest of their request: a retry under the same Idempotency-Key
finds the refund (its id is derived from the key) and must ask for the same one.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 10:00:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0003'
down_revision: Union[str, Sequence[str], None] = '0002'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.add_column(
        'refunds', sa.Column('request_fingerprint', sa.String(length=64), nullable=True)
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_column('refunds', 'request_fingerprint')
