"""Impact dashboard: each summary row carries its project's country, region, sector and programme, and the "as
of" index carries them too, so that the dashboard groups and filters those rows from the index alone instead of
looking up the project of each of them (17,932 look-ups for one country at 200,000 reported values).

Revision ID: 0015_impact_fact_keys
Revises: 0014_impact_as_of_index
Create Date: 2026-11-29 12:30:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0015_impact_fact_keys'
down_revision = '0014_impact_as_of_index'
branch_labels = None
depends_on = None

KEYS = ['country_id', 'region_id', 'sector_id', 'programme_id']
# written out, so that this file never follows the application
AS_OF_COLUMNS = ['project_indicator_id', 'project_id', 'indicator_id', 'target', 'run_targets', 'run_target',
                 'run_target_max', 'run_counted', 'run_actual', 'run_actual_max', 'last_actual', 'last_actual_day',
                 'run_women', 'run_sex_known', 'run_youth', 'run_age_known']


def upgrade():
    with op.batch_alter_table('dashboard_impact_facts', schema=None) as batch_op:
        for name in KEYS:
            batch_op.add_column(sa.Column(name, sa.Integer(), nullable=True))
    # the existing rows take their project's keys (a correlated subquery: the same on SQLite and PostgreSQL)
    op.execute(sa.text('UPDATE dashboard_impact_facts SET ' + ', '.join(
        f'{name} = (SELECT projects.{name} FROM projects WHERE projects.id = dashboard_impact_facts.project_id)'
        for name in KEYS)))
    with op.batch_alter_table('dashboard_impact_facts', schema=None) as batch_op:
        for name in KEYS[:3]:
            batch_op.alter_column(name, existing_type=sa.Integer(), nullable=False)
        batch_op.drop_index('ix_dashboard_impact_facts_as_of')
        batch_op.create_index('ix_dashboard_impact_facts_as_of', ['next_ends_day', 'ends_day'], unique=False,
                              postgresql_include=AS_OF_COLUMNS + KEYS)


def downgrade():
    with op.batch_alter_table('dashboard_impact_facts', schema=None) as batch_op:
        batch_op.drop_index('ix_dashboard_impact_facts_as_of')
        batch_op.create_index('ix_dashboard_impact_facts_as_of', ['next_ends_day', 'ends_day'], unique=False,
                              postgresql_include=AS_OF_COLUMNS)
        for name in reversed(KEYS):
            batch_op.drop_column(name)
