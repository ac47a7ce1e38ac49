"""The Open Badges 3.0 API: registered badge hosts, authorizations, grants, tokens,
credentials hosts put in, and which of ours each host fetched.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07 14:00:00

"""
from collections.abc import Sequence
from typing import Union

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision: str = '0003'
down_revision: Union[str, Sequence[str], None] = '0002'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('badge_host_clients',
    sa.Column('client_id', sa.String(length=64), nullable=False),
    sa.Column('secret_hash', sa.String(length=64), nullable=False),
    sa.Column('client_name', sa.String(length=200), nullable=False),
    sa.Column('client_uri', sa.String(length=2048), nullable=True),
    sa.Column('redirect_uris', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('scope', sa.String(length=1000), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('client_id')
    )
    op.create_table('badge_host_authorizations',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('client_id', sa.String(length=64), nullable=False),
    sa.Column('redirect_uri', sa.String(length=2048), nullable=False),
    sa.Column('scope', sa.String(length=1000), nullable=False),
    sa.Column('state', sa.String(length=1024), nullable=True),
    sa.Column('code_challenge', sa.String(length=128), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('learner_id', sa.Uuid(), nullable=True),
    sa.Column('decision', sa.String(length=10), nullable=True),
    sa.Column('code_hash', sa.String(length=64), nullable=True),
    sa.Column('code_expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('code_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['client_id'], ['badge_host_clients.client_id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code_hash')
    )
    op.create_table('badge_host_grants',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('client_id', sa.String(length=64), nullable=False),
    sa.Column('learner_id', sa.Uuid(), nullable=False),
    sa.Column('scope', sa.String(length=1000), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['client_id'], ['badge_host_clients.client_id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_badge_host_grants_learner_id'), 'badge_host_grants', ['learner_id'], unique=False)
    op.create_table('badge_host_tokens',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('grant_id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['grant_id'], ['badge_host_grants.id'], ),
    sa.PrimaryKeyConstraint('token_hash')
    )
    op.create_index(op.f('ix_badge_host_tokens_grant_id'), 'badge_host_tokens', ['grant_id'], unique=False)
    op.create_table('hosted_credentials',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('learner_id', sa.Uuid(), nullable=False),
    sa.Column('credential_key', sa.String(length=2048), nullable=False),
    sa.Column('document', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('client_id', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('learner_id', 'credential_key', name='uq_hosted_credentials_key')
    )
    op.create_index(op.f('ix_hosted_credentials_learner_id'), 'hosted_credentials', ['learner_id'], unique=False)
    op.create_table('badge_host_deliveries',
    sa.Column('client_id', sa.String(length=64), nullable=False),
    sa.Column('credential_id', sa.Uuid(), nullable=False),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['credential_id'], ['credentials.id'], ),
    sa.PrimaryKeyConstraint('client_id', 'credential_id')
    )


def downgrade() -> None:
    op.drop_table('badge_host_deliveries')
    op.drop_index(op.f('ix_hosted_credentials_learner_id'), table_name='hosted_credentials')
    op.drop_table('hosted_credentials')
    op.drop_index(op.f('ix_badge_host_tokens_grant_id'), table_name='badge_host_tokens')
    op.drop_table('badge_host_tokens')
    op.drop_index(op.f('ix_badge_host_grants_learner_id'), table_name='badge_host_grants')
    op.drop_table('badge_host_grants')
    op.drop_table('badge_host_authorizations')
    op.drop_table('badge_host_clients')
