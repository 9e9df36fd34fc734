"""administration: agencies, stations' opening hours and agency, one name per town and per station

Revision ID: 0008_administration
Revises: 0007_certificates
Create Date: 2026-12-04 01:22:51.054092

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008_administration'
down_revision = '0007_certificates'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('agencies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('credit_code', sa.String(length=18), nullable=False),
    sa.Column('contact_name', sa.String(length=40), nullable=False),
    sa.Column('contact_phone', sa.String(length=20), nullable=False),
    sa.Column('contract_start', sa.Date(), nullable=True),
    sa.Column('contract_end', sa.Date(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agencies')),
    sa.UniqueConstraint('credit_code', name=op.f('uq_agencies_credit_code')),
    sa.UniqueConstraint('name', name=op.f('uq_agencies_name'))
    )
    with op.batch_alter_table('communities', schema=None) as batch_op:
        batch_op.create_unique_constraint(batch_op.f('uq_communities_town_id'), ['town_id', 'name'])

    with op.batch_alter_table('grid_teams', schema=None) as batch_op:
        batch_op.create_unique_constraint(batch_op.f('uq_grid_teams_station_id'), ['station_id', 'name'])

    with op.batch_alter_table('stations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('opening_hours', sa.String(length=100), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('agency_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_stations_agency_id'), ['agency_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_stations_agency_id_agencies'), 'agencies', ['agency_id'], ['id'])



def downgrade():
    with op.batch_alter_table('stations', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_stations_agency_id_agencies'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_stations_agency_id'))
        batch_op.drop_column('agency_id')
        batch_op.drop_column('opening_hours')

    with op.batch_alter_table('grid_teams', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_grid_teams_station_id'), type_='unique')

    with op.batch_alter_table('communities', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_communities_town_id'), type_='unique')

    op.drop_table('agencies')
