"""Dashboards: the covering index of project keys also carries the state, the currency and the instrument, so
that the capital dashboard's tables and totals read them from the index instead of the wide projects table
(title, texts and search vector), which PostgreSQL otherwise scans in full on every request.

Revision ID: 0012_dashboard_keys_cover
Revises: 0011_impact_rollup
Create Date: 2026-11-29 06:20:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0012_dashboard_keys_cover'
down_revision = '0011_impact_rollup'
branch_labels = None
depends_on = None

KEYS = ['country_id', 'region_id', 'sector_id', 'programme_id', 'organisation_id', 'partner_bank_id']


def upgrade():
    op.drop_index('ix_projects_dashboard_keys', table_name='projects')
    op.create_index('ix_projects_dashboard_keys', 'projects', ['id'], unique=False,
                    postgresql_include=[*KEYS, 'status', 'currency', 'instrument'])


def downgrade():
    op.drop_index('ix_projects_dashboard_keys', table_name='projects')
    op.create_index('ix_projects_dashboard_keys', 'projects', ['id'], unique=False, postgresql_include=KEYS)
