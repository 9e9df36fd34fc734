"""corrections: a volunteer's request to correct a service record, the organising station's
answer, and staff notes on it

Revision ID: 0019_corrections
Revises: 0018_certificates
Create Date: 2026-12-07 01:17:13

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0019_corrections'
down_revision = '0018_certificates'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('corrections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('subject', sa.String(length=40), nullable=False),
    sa.Column('checkin_id', sa.Integer(), nullable=True),
    sa.Column('transfer_id', sa.Integer(), nullable=True),
    sa.Column('station_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('asked_at', sa.DateTime(), nullable=False),
    sa.Column('due_at', sa.DateTime(), nullable=False),
    sa.Column('resolved_at', sa.DateTime(), nullable=True),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.Column('resolution', sa.Text(), nullable=True),
    sa.Column('minutes', sa.Integer(), nullable=True),
    sa.Column('result_transfer_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['checkin_id'], ['checkins.id'], name=op.f('fk_corrections_checkin_id_checkins')),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['users.id'], name=op.f('fk_corrections_resolved_by_id_users')),
    sa.ForeignKeyConstraint(['result_transfer_id'], ['transfers.id'], name=op.f('fk_corrections_result_transfer_id_transfers')),
    sa.ForeignKeyConstraint(['station_id'], ['stations.id'], name=op.f('fk_corrections_station_id_stations')),
    sa.ForeignKeyConstraint(['transfer_id'], ['transfers.id'], name=op.f('fk_corrections_transfer_id_transfers')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_corrections_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_corrections'))
    )
    with op.batch_alter_table('corrections', schema=None) as batch_op:
        batch_op.create_index('ix_corrections_station_status', ['station_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_corrections_user_id'), ['user_id'], unique=False)
        batch_op.create_index('uq_corrections_open_subject', ['subject'], unique=True, sqlite_where=sa.text("status = 'open'"), postgresql_where=sa.text("status = 'open'"))

    op.create_table('correction_notes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('correction_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_correction_notes_author_id_users')),
    sa.ForeignKeyConstraint(['correction_id'], ['corrections.id'], name=op.f('fk_correction_notes_correction_id_corrections')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_correction_notes'))
    )
    with op.batch_alter_table('correction_notes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_correction_notes_correction_id'), ['correction_id'], unique=False)



def downgrade():
    with op.batch_alter_table('correction_notes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_correction_notes_correction_id'))

    op.drop_table('correction_notes')
    with op.batch_alter_table('corrections', schema=None) as batch_op:
        batch_op.drop_index('uq_corrections_open_subject', sqlite_where=sa.text("status = 'open'"), postgresql_where=sa.text("status = 'open'"))
        batch_op.drop_index(batch_op.f('ix_corrections_user_id'))
        batch_op.drop_index('ix_corrections_station_status')

    op.drop_table('corrections')
