"""record fields: an activity's service category, content, people served and person in charge;
a check-in's hand-added minutes (荣誉时), quality evaluation and recorder

Revision ID: 0016_record_fields
Revises: 0015_text_size
Create Date: 2026-12-07 09:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016_record_fields'
down_revision = '0015_text_size'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.add_column(sa.Column('service_category', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('service_content', sa.String(length=500), server_default='',
                                      nullable=False))
        batch_op.add_column(sa.Column('people_served', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('person_in_charge', sa.String(length=40), server_default='',
                                      nullable=False))
    with op.batch_alter_table('checkins', schema=None) as batch_op:
        batch_op.add_column(sa.Column('honour_minutes', sa.Integer(), server_default='0',
                                      nullable=False))
        batch_op.add_column(sa.Column('evaluation', sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column('evaluation_comment', sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column('recorded_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_checkins_recorded_by_id_users'), 'users',
                                    ['recorded_by_id'], ['id'])
    # Before this, a check-in whose minutes were changed by hand counted wholly as honour hours.
    op.execute("UPDATE checkins SET honour_minutes = minutes WHERE adjusted AND minutes IS NOT NULL")


def downgrade():
    with op.batch_alter_table('checkins', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_checkins_recorded_by_id_users'), type_='foreignkey')
        batch_op.drop_column('recorded_by_id')
        batch_op.drop_column('evaluation_comment')
        batch_op.drop_column('evaluation')
        batch_op.drop_column('honour_minutes')
    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.drop_column('person_in_charge')
        batch_op.drop_column('people_served')
        batch_op.drop_column('service_content')
        batch_op.drop_column('service_category')
