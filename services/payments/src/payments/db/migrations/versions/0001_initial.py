"""Initial schema: the platform's outbox, inbox and idempotency keys; payments, refunds, processed Stripe events and provider Stripe accounts.

Revision ID: 0001
Revises: 
Create Date: 2026-11-26 09:29:15.896069

"""
from typing import Sequence, Union

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
    op.create_table('payments',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('enrollment_id', sa.Uuid(), nullable=False),
    sa.Column('learner_id', sa.Uuid(), nullable=False),
    sa.Column('offering_id', sa.Uuid(), nullable=False),
    sa.Column('provider_id', sa.Uuid(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('stripe_payment_intent_id', sa.String(length=255), nullable=True),
    sa.Column('client_secret', sa.String(length=500), nullable=True),
    sa.Column('provider_account', sa.String(length=255), nullable=True),
    sa.Column('platform_fee', sa.BigInteger(), nullable=False),
    sa.Column('provider_share', sa.BigInteger(), nullable=False),
    sa.Column('amount_refunded', sa.BigInteger(), nullable=False),
    sa.Column('last_failure_reason', sa.String(length=1000), nullable=True),
    sa.Column('last_decline_code', sa.String(length=100), nullable=True),
    sa.Column('attempts_failed', sa.Integer(), nullable=False),
    sa.Column('payment_deadline', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('initiated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('succeeded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('amount > 0', name='ck_payments_amount_positive'),
    sa.CheckConstraint('amount_refunded >= 0 AND amount_refunded <= amount', name='ck_payments_refunded_range'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('enrollment_id'),
    sa.UniqueConstraint('stripe_payment_intent_id')
    )
    op.create_index(op.f('ix_payments_provider_id'), 'payments', ['provider_id'], unique=False)
    op.create_index('ix_payments_status_updated', 'payments', ['status', 'updated_at'], unique=False)
    op.create_table('provider_accounts',
    sa.Column('provider_id', sa.Uuid(), nullable=False),
    sa.Column('stripe_account_id', sa.String(length=255), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('provider_id')
    )
    op.create_table('stripe_events',
    sa.Column('id', sa.String(length=255), nullable=False),
    sa.Column('type', sa.String(length=200), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('refunds',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('payment_id', sa.Uuid(), nullable=False),
    sa.Column('stripe_refund_id', sa.String(length=255), nullable=True),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('platform_fee_refunded', sa.BigInteger(), nullable=False),
    sa.Column('provider_share_refunded', sa.BigInteger(), nullable=False),
    sa.Column('origin', sa.String(length=20), nullable=False),
    sa.Column('requested_by', sa.String(length=255), nullable=True),
    sa.Column('failure_reason', sa.String(length=1000), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('refunded_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('amount > 0', name='ck_refunds_amount_positive'),
    sa.ForeignKeyConstraint(['payment_id'], ['payments.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('stripe_refund_id')
    )
    op.create_index(op.f('ix_refunds_payment_id'), 'refunds', ['payment_id'], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index(op.f('ix_refunds_payment_id'), table_name='refunds')
    op.drop_table('refunds')
    op.drop_table('stripe_events')
    op.drop_table('provider_accounts')
    op.drop_index('ix_payments_status_updated', table_name='payments')
    op.drop_index(op.f('ix_payments_provider_id'), table_name='payments')
    op.drop_table('payments')
    drop_platform_tables_v1()
