"""Initial schema: the platform tables (outbox, inbox, idempotency keys) and issuance's
issuers, their keys, status lists, credentials and revocation tombstones.

Revision ID: 0001
Revises:
Create Date: 2026-11-26 09:35:16.886188

"""
from collections.abc import Sequence
from typing import Union

from alembic import op
from credmarket_platform.db.platform_schema import (
    create_platform_tables_v1,
    drop_platform_tables_v1,
)
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision: str = '0001'
down_revision: Union[str, Sequence[str], None] = None
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    create_platform_tables_v1()
    op.create_table('enrollment_revocations',
    sa.Column('enrollment_id', sa.Uuid(), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('enrollment_id')
    )
    op.create_table('issuers',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('url', sa.String(length=2048), nullable=True),
    sa.Column('email', sa.String(length=320), nullable=True),
    sa.Column('image_url', sa.String(length=2048), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('profile_as_of', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('issuer_keys',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('issuer_id', sa.Uuid(), nullable=False),
    sa.Column('key_id', sa.String(length=40), nullable=False),
    sa.Column('public_key_multibase', sa.String(length=100), nullable=False),
    sa.Column('wrapped_private_key', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('retired_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['issuer_id'], ['issuers.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('issuer_id', 'key_id', name='uq_issuer_keys_issuer_key')
    )
    op.create_index(op.f('ix_issuer_keys_issuer_id'), 'issuer_keys', ['issuer_id'], unique=False)
    op.create_index('uq_issuer_keys_one_current', 'issuer_keys', ['issuer_id'], unique=True, postgresql_where=sa.text('retired_at IS NULL'))
    op.create_table('status_lists',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('issuer_id', sa.Uuid(), nullable=False),
    sa.Column('purpose', sa.String(length=20), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('bits', sa.LargeBinary(), nullable=False),
    sa.Column('signed_credential', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('size >= 131072 AND size % 8 = 0', name='ck_status_lists_size'),
    sa.ForeignKeyConstraint(['issuer_id'], ['issuers.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_status_lists_issuer_id'), 'status_lists', ['issuer_id'], unique=False)
    op.create_table('credentials',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('enrollment_id', sa.Uuid(), nullable=False),
    sa.Column('learner_id', sa.Uuid(), nullable=False),
    sa.Column('learner_name', sa.String(length=200), nullable=True),
    sa.Column('issuer_id', sa.Uuid(), nullable=False),
    sa.Column('offering_id', sa.Uuid(), nullable=False),
    sa.Column('achievement_name', sa.String(length=200), nullable=False),
    sa.Column('key_id', sa.String(length=40), nullable=False),
    sa.Column('status_list_id', sa.Uuid(), nullable=False),
    sa.Column('status_index', sa.Integer(), nullable=False),
    sa.Column('document', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('valid_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revocation_reason', sa.String(length=500), nullable=True),
    sa.CheckConstraint('status_index >= 0', name='ck_credentials_status_index'),
    sa.ForeignKeyConstraint(['issuer_id'], ['issuers.id'], ),
    sa.ForeignKeyConstraint(['status_list_id'], ['status_lists.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('enrollment_id'),
    sa.UniqueConstraint('status_list_id', 'status_index', name='uq_credentials_status_bit')
    )
    op.create_index(op.f('ix_credentials_issuer_id'), 'credentials', ['issuer_id'], unique=False)
    op.create_index(op.f('ix_credentials_learner_id'), 'credentials', ['learner_id'], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index(op.f('ix_credentials_learner_id'), table_name='credentials')
    op.drop_index(op.f('ix_credentials_issuer_id'), table_name='credentials')
    op.drop_table('credentials')
    op.drop_index(op.f('ix_status_lists_issuer_id'), table_name='status_lists')
    op.drop_table('status_lists')
    op.drop_index('uq_issuer_keys_one_current', table_name='issuer_keys', postgresql_where=sa.text('retired_at IS NULL'))
    op.drop_index(op.f('ix_issuer_keys_issuer_id'), table_name='issuer_keys')
    op.drop_table('issuer_keys')
    op.drop_table('issuers')
    op.drop_table('enrollment_revocations')
    drop_platform_tables_v1()
