"""Initial catalog schema: the platform's outbox/inbox/idempotency tables, providers,
their API keys, token signing keys, offerings (with the search vector) and their versions.

Revision ID: 0001
Revises: 
Create Date: 2026-11-26 09:30:29.156893

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
    op.create_table('providers',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('website', sa.Text(), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('logo_url', sa.Text(), nullable=True),
    sa.Column('contact_email', sa.Text(), nullable=False),
    sa.Column('registered_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('signing_keys',
    sa.Column('kid', sa.String(length=64), nullable=False),
    sa.Column('algorithm', sa.String(length=16), nullable=False),
    sa.Column('public_jwk', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('private_key_ciphertext', postgresql.BYTEA(), nullable=False),
    sa.Column('nonce', postgresql.BYTEA(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('retired_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('kid')
    )
    op.create_index('uq_signing_keys_one_active', 'signing_keys', [sa.literal_column('(retired_at IS NULL)')], unique=True, postgresql_where=sa.text('retired_at IS NULL'))
    op.create_table('offerings',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('provider_id', sa.UUID(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('skills', postgresql.ARRAY(sa.Text()), nullable=False),
    sa.Column('skills_text', sa.Text(), nullable=False),
    sa.Column('level', sa.String(length=16), nullable=True),
    sa.Column('duration_minutes', sa.Integer(), nullable=True),
    sa.Column('language', sa.String(length=35), nullable=True),
    sa.Column('price_amount', sa.BigInteger(), nullable=True),
    sa.Column('price_currency', sa.String(length=3), nullable=True),
    sa.Column('achievement', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('retired_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('search', postgresql.TSVECTOR(), sa.Computed("setweight(to_tsvector('english', coalesce(title, '')), 'A') || setweight(to_tsvector('simple', skills_text), 'B') || setweight(to_tsvector('english', coalesce(description, '')), 'C')", persisted=True), nullable=False),
    sa.CheckConstraint("status IN ('draft', 'published', 'retired')", name='ck_offering_status'),
    sa.CheckConstraint('price_amount IS NULL OR price_amount >= 0', name='ck_offering_price'),
    sa.ForeignKeyConstraint(['provider_id'], ['providers.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_offerings_currency_price', 'offerings', ['price_currency', 'price_amount', 'id'], unique=False, postgresql_where=sa.text("status = 'published'"))
    op.create_index('ix_offerings_newest', 'offerings', [sa.literal_column('published_at DESC'), sa.literal_column('id DESC')], unique=False, postgresql_where=sa.text("status = 'published'"))
    op.create_index('ix_offerings_price', 'offerings', ['price_amount', 'id'], unique=False, postgresql_where=sa.text("status = 'published'"))
    op.create_index('ix_offerings_provider', 'offerings', ['provider_id', 'created_at'], unique=False)
    op.create_index('ix_offerings_search', 'offerings', ['search'], unique=False, postgresql_using='gin', postgresql_where=sa.text("status = 'published'"))
    op.create_index('ix_offerings_skills', 'offerings', ['skills'], unique=False, postgresql_using='gin', postgresql_where=sa.text("status = 'published'"))
    op.create_table('provider_api_keys',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('provider_id', sa.UUID(), nullable=False),
    sa.Column('prefix', sa.String(length=16), nullable=False),
    sa.Column('secret_hash', postgresql.BYTEA(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['provider_id'], ['providers.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('prefix')
    )
    op.create_index('ix_provider_api_keys_provider', 'provider_api_keys', ['provider_id', 'created_at'], unique=False)
    op.create_table('offering_versions',
    sa.Column('offering_id', sa.UUID(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('snapshot', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['offering_id'], ['offerings.id'], ),
    sa.PrimaryKeyConstraint('offering_id', 'version')
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table('offering_versions')
    op.drop_index('ix_provider_api_keys_provider', table_name='provider_api_keys')
    op.drop_table('provider_api_keys')
    op.drop_index('ix_offerings_skills', table_name='offerings', postgresql_using='gin', postgresql_where=sa.text("status = 'published'"))
    op.drop_index('ix_offerings_search', table_name='offerings', postgresql_using='gin', postgresql_where=sa.text("status = 'published'"))
    op.drop_index('ix_offerings_provider', table_name='offerings')
    op.drop_index('ix_offerings_price', table_name='offerings', postgresql_where=sa.text("status = 'published'"))
    op.drop_index('ix_offerings_newest', table_name='offerings', postgresql_where=sa.text("status = 'published'"))
    op.drop_index('ix_offerings_currency_price', table_name='offerings', postgresql_where=sa.text("status = 'published'"))
    op.drop_table('offerings')
    op.drop_index('uq_signing_keys_one_active', table_name='signing_keys', postgresql_where=sa.text('retired_at IS NULL'))
    op.drop_table('signing_keys')
    op.drop_table('providers')
    drop_platform_tables_v1()
