"""official export: activities' external project ids and the sync status of service records in
i志愿 and the national volunteer information system

Revision ID: 0020_official_sync
Revises: 0019_corrections
Create Date: 2026-12-07 01:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0020_official_sync'
down_revision = '0019_corrections'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'official_projects',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('activity_id', sa.Integer(), nullable=False),
        sa.Column('system', sa.String(length=10), nullable=False),
        sa.Column('external_id', sa.String(length=40), nullable=False),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['activity_id'], ['activities.id'],
                                name=op.f('fk_official_projects_activity_id_activities')),
        sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'],
                                name=op.f('fk_official_projects_updated_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_official_projects')),
        sa.UniqueConstraint('activity_id', 'system',
                            name=op.f('uq_official_projects_activity_id')),
    )
    with op.batch_alter_table('official_projects', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_official_projects_activity_id'), ['activity_id'],
                              unique=False)
    op.create_table(
        'official_syncs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('checkin_id', sa.Integer(), nullable=False),
        sa.Column('system', sa.String(length=10), nullable=False),
        sa.Column('synced_on', sa.Date(), nullable=False),
        sa.Column('batch', sa.String(length=40), nullable=False),
        sa.Column('imported_at', sa.DateTime(), nullable=False),
        sa.Column('imported_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['checkin_id'], ['checkins.id'],
                                name=op.f('fk_official_syncs_checkin_id_checkins')),
        sa.ForeignKeyConstraint(['imported_by_id'], ['users.id'],
                                name=op.f('fk_official_syncs_imported_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_official_syncs')),
        sa.UniqueConstraint('checkin_id', 'system', name=op.f('uq_official_syncs_checkin_id')),
    )
    with op.batch_alter_table('official_syncs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_official_syncs_checkin_id'), ['checkin_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('official_syncs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_official_syncs_checkin_id'))
    op.drop_table('official_syncs')
    with op.batch_alter_table('official_projects', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_official_projects_activity_id'))
    op.drop_table('official_projects')
