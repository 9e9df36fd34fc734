"""report summaries: the dashboard figures per month, rebuilt by jobs (the recent two months every 15 minutes, all nightly) (#20)

Revision ID: 0035_report_summaries
Revises: 0034_offline_scans
Create Date: 2026-12-07 23:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0035_report_summaries'
down_revision = '0034_offline_scans'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('report_summary_state',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('through_year', sa.Integer(), nullable=False),
    sa.Column('through_month', sa.Integer(), nullable=False),
    sa.Column('built_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_summary_state'))
    )
    op.create_table('report_theme_months',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('month', sa.Integer(), nullable=False),
    sa.Column('station_id', sa.Integer(), nullable=False),
    sa.Column('theme_id', sa.Integer(), nullable=True),
    sa.Column('scanned', sa.Integer(), nullable=False),
    sa.Column('honour', sa.Integer(), nullable=False),
    sa.Column('activities', sa.Integer(), nullable=False),
    sa.Column('people_served', sa.Integer(), nullable=False),
    sa.Column('participations', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['station_id'], ['stations.id'], name=op.f('fk_report_theme_months_station_id_stations')),
    sa.ForeignKeyConstraint(['theme_id'], ['themes.id'], name=op.f('fk_report_theme_months_theme_id_themes')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_theme_months'))
    )
    op.create_index('ix_report_theme_months_month_station', 'report_theme_months', ['year', 'month', 'station_id'], unique=False)
    op.create_table('report_attendance_months',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('month', sa.Integer(), nullable=False),
    sa.Column('station_id', sa.Integer(), nullable=False),
    sa.Column('confirmed', sa.Integer(), nullable=False),
    sa.Column('attended', sa.Integer(), nullable=False),
    sa.Column('no_show', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['station_id'], ['stations.id'], name=op.f('fk_report_attendance_months_station_id_stations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_attendance_months'))
    )
    op.create_index('ix_report_attendance_months_month_station', 'report_attendance_months', ['year', 'month', 'station_id'], unique=False)
    op.create_table('report_ledger_months',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('month', sa.Integer(), nullable=False),
    sa.Column('station_id', sa.Integer(), nullable=True),
    sa.Column('issued', sa.Integer(), nullable=False),
    sa.Column('spent', sa.Integer(), nullable=False),
    sa.Column('redeemed', sa.Integer(), nullable=False),
    sa.Column('donated', sa.Integer(), nullable=False),
    sa.Column('granted', sa.Integer(), nullable=False),
    sa.Column('adjusted', sa.Integer(), nullable=False),
    sa.Column('in_pools', sa.Integer(), nullable=False),
    sa.Column('opening', sa.Integer(), nullable=False),
    sa.Column('sponsored', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['station_id'], ['stations.id'], name=op.f('fk_report_ledger_months_station_id_stations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_ledger_months'))
    )
    op.create_index('ix_report_ledger_months_month_station', 'report_ledger_months', ['year', 'month', 'station_id'], unique=False)
    op.create_table('report_served_years',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('months', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_report_served_years_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'year', name=op.f('pk_report_served_years'))
    )


def downgrade():
    op.drop_table('report_served_years')
    op.drop_index('ix_report_ledger_months_month_station', table_name='report_ledger_months')
    op.drop_table('report_ledger_months')
    op.drop_index('ix_report_attendance_months_month_station', table_name='report_attendance_months')
    op.drop_table('report_attendance_months')
    op.drop_index('ix_report_theme_months_month_station', table_name='report_theme_months')
    op.drop_table('report_theme_months')
    op.drop_table('report_summary_state')
