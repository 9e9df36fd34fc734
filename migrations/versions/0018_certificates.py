"""certificates by the organiser: the issuing agency and the full-ID choice on each certificate;
agencies' seal images

Revision ID: 0018_certificates
Revises: 0017_approval_policy
Create Date: 2026-12-07 01:40:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0018_certificates'
down_revision = '0017_approval_policy'
branch_labels = None
depends_on = None

def upgrade():
    op.create_table(
        'agency_seals',
        sa.Column('agency_id', sa.Integer(), nullable=False),
        sa.Column('content_type', sa.String(length=20), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.Column('uploaded_at', sa.DateTime(), nullable=False),
        sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'],
                                name=op.f('fk_agency_seals_agency_id_agencies'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'],
                                name=op.f('fk_agency_seals_uploaded_by_id_users')),
        sa.PrimaryKeyConstraint('agency_id', name=op.f('pk_agency_seals')),
    )
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.add_column(sa.Column('agency_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('id_shown_in_full', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
        batch_op.create_index(batch_op.f('ix_certificates_agency_id'), ['agency_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_certificates_agency_id_agencies'), 'agencies',
                                    ['agency_id'], ['id'])
    # Certificates issued before were issued by the volunteer's home station: name its agency.
    op.execute("UPDATE certificates SET agency_id = (SELECT agency_id FROM stations "
               "WHERE stations.id = certificates.station_id)")

def downgrade():
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_certificates_agency_id_agencies'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_certificates_agency_id'))
        batch_op.drop_column('id_shown_in_full')
        batch_op.drop_column('agency_id')
    op.drop_table('agency_seals')
