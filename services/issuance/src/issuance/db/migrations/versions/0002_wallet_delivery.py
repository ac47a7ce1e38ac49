"""OpenID4VCI wallet delivery: credential offers, holder-bound copies, spent nonces.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-07 13:30:00

"""
from collections.abc import Sequence
from typing import Union

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision: str = '0002'
down_revision: Union[str, Sequence[str], None] = '0001'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('wallet_offers',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('credential_id', sa.Uuid(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('tx_code_hash', sa.String(length=64), nullable=True),
    sa.Column('failed_tx_attempts', sa.Integer(), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('redeemed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('token_hash', sa.String(length=64), nullable=True),
    sa.Column('token_expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['credential_id'], ['credentials.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code_hash'),
    sa.UniqueConstraint('token_hash')
    )
    op.create_index(op.f('ix_wallet_offers_credential_id'), 'wallet_offers', ['credential_id'], unique=False)
    op.create_table('delivered_credentials',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('credential_id', sa.Uuid(), nullable=False),
    sa.Column('offer_id', sa.Uuid(), nullable=False),
    sa.Column('holder_id', sa.String(length=2048), nullable=False),
    sa.Column('key_id', sa.String(length=40), nullable=False),
    sa.Column('status_list_id', sa.Uuid(), nullable=False),
    sa.Column('status_index', sa.Integer(), nullable=False),
    sa.Column('document', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['credential_id'], ['credentials.id'], ),
    sa.ForeignKeyConstraint(['offer_id'], ['wallet_offers.id'], ),
    sa.ForeignKeyConstraint(['status_list_id'], ['status_lists.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('offer_id'),
    sa.UniqueConstraint('status_list_id', 'status_index', name='uq_delivered_credentials_status_bit')
    )
    op.create_index(op.f('ix_delivered_credentials_credential_id'), 'delivered_credentials', ['credential_id'], unique=False)
    op.create_table('used_nonces',
    sa.Column('nonce_hash', sa.String(length=64), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('nonce_hash')
    )
    op.create_index(op.f('ix_used_nonces_expires_at'), 'used_nonces', ['expires_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_used_nonces_expires_at'), table_name='used_nonces')
    op.drop_table('used_nonces')
    op.drop_index(op.f('ix_delivered_credentials_credential_id'), table_name='delivered_credentials')
    op.drop_table('delivered_credentials')
    op.drop_index(op.f('ix_wallet_offers_credential_id'), table_name='wallet_offers')
    op.drop_table('wallet_offers')
