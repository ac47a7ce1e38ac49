"""initial: offerings read model, enrollments, platform outbox/inbox/idempotency

Revision ID: 0001
Revises:
Create Date: 2026-11-26 09:30:20.402516

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
    op.create_table('enrollments',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('learner_id', sa.Uuid(), nullable=False),
    sa.Column('learner_email', sa.String(length=320), nullable=False),
    sa.Column('learner_name', sa.String(length=200), nullable=True),
    sa.Column('offering_id', sa.Uuid(), nullable=False),
    sa.Column('offering_version', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Uuid(), nullable=False),
    sa.Column('price_amount', sa.BigInteger(), nullable=False),
    sa.Column('price_currency', sa.String(length=3), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('payment_deadline', sa.DateTime(timezone=True), nullable=True),
    sa.Column('activated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('activated_via', sa.String(length=20), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancel_reason', sa.String(length=40), nullable=True),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoke_reason', sa.String(length=500), nullable=True),
    sa.Column('payment_id', sa.Uuid(), nullable=True),
    sa.Column('stripe_payment_intent_id', sa.String(length=255), nullable=True),
    sa.Column('client_secret', sa.String(length=500), nullable=True),
    sa.Column('last_payment_error_reason', sa.String(length=1000), nullable=True),
    sa.Column('last_payment_error_code', sa.String(length=100), nullable=True),
    sa.Column('last_payment_failed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('refund_due_payment_id', sa.Uuid(), nullable=True),
    sa.Column('result_passed', sa.Boolean(), nullable=True),
    sa.Column('result_score', sa.Float(), nullable=True),
    sa.Column('result_evidence_url', sa.String(length=2048), nullable=True),
    sa.Column('result_evidence_narrative', sa.String(length=5000), nullable=True),
    sa.Column('result_reported_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('credential_id', sa.Uuid(), nullable=True),
    sa.Column('credential_url', sa.String(length=2048), nullable=True),
    sa.Column('credential_issued_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('credential_revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('active', 'cancelled', 'completed', 'pending_payment', 'revoked')", name='ck_enrollments_status'),
    sa.CheckConstraint('price_amount >= 0', name='ck_enrollments_price_nonnegative'),
    sa.CheckConstraint('result_score IS NULL OR (result_score >= 0 AND result_score <= 100)', name='ck_enrollments_score_range'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_enrollments_learner_created', 'enrollments', ['learner_id', 'created_at'], unique=False)
    op.create_index(op.f('ix_enrollments_offering_id'), 'enrollments', ['offering_id'], unique=False)
    op.create_index(op.f('ix_enrollments_payment_id'), 'enrollments', ['payment_id'], unique=False)
    op.create_index('ix_enrollments_pending_deadline', 'enrollments', ['payment_deadline'], unique=False, postgresql_where=sa.text("status = 'pending_payment'"))
    op.create_index('ix_enrollments_provider_created', 'enrollments', ['provider_id', 'created_at'], unique=False)
    op.create_index('uq_enrollments_live_per_learner_offering', 'enrollments', ['learner_id', 'offering_id'], unique=True, postgresql_where=sa.text("status IN ('active', 'completed', 'pending_payment')"))
    op.create_table('offering_versions',
    sa.Column('offering_id', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Uuid(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('price_amount', sa.BigInteger(), nullable=False),
    sa.Column('price_currency', sa.String(length=3), nullable=False),
    sa.Column('achievement', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('price_amount >= 0', name='ck_offering_versions_price_nonnegative'),
    sa.PrimaryKeyConstraint('offering_id', 'version')
    )
    op.create_table('offerings',
    sa.Column('offering_id', sa.Uuid(), nullable=False),
    sa.Column('provider_id', sa.Uuid(), nullable=False),
    sa.Column('current_version', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('offering_id')
    )
    op.create_index(op.f('ix_offerings_provider_id'), 'offerings', ['provider_id'], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index(op.f('ix_offerings_provider_id'), table_name='offerings')
    op.drop_table('offerings')
    op.drop_table('offering_versions')
    op.drop_index('uq_enrollments_live_per_learner_offering', table_name='enrollments', postgresql_where=sa.text("status IN ('active', 'completed', 'pending_payment')"))
    op.drop_index('ix_enrollments_provider_created', table_name='enrollments')
    op.drop_index('ix_enrollments_pending_deadline', table_name='enrollments', postgresql_where=sa.text("status = 'pending_payment'"))
    op.drop_index(op.f('ix_enrollments_payment_id'), table_name='enrollments')
    op.drop_index(op.f('ix_enrollments_offering_id'), table_name='enrollments')
    op.drop_index('ix_enrollments_learner_created', table_name='enrollments')
    op.drop_table('enrollments')
    drop_platform_tables_v1()
