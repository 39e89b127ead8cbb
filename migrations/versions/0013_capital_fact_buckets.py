"""Dashboards: partial indexes of the capital facts that have committed, or collected, pledges, so that settling
whether a small group of investors reaches five reads only those rows instead of every investor's.

Revision ID: 0013_capital_fact_buckets
Revises: 0012_dashboard_keys_cover
Create Date: 2026-11-29 06:30:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0013_capital_fact_buckets'
down_revision = '0012_dashboard_keys_cover'
branch_labels = None
depends_on = None

COLUMNS = ['project_id', 'origin_country_id', 'month', 'investor_id']


def upgrade():
    for name in ('committed', 'paid'):
        condition = sa.text(f'{name}_pledges > 0')
        op.create_index(f'ix_dashboard_capital_facts_{name}', 'dashboard_capital_facts', COLUMNS, unique=False,
                        postgresql_where=condition, sqlite_where=condition)


def downgrade():
    for name in ('paid', 'committed'):
        op.drop_index(f'ix_dashboard_capital_facts_{name}', table_name='dashboard_capital_facts')
