"""notice outbox: deliveries of notifications by SMS and WeChat, a notification's kind and
template parameters, members' WeChat openid and choice of channels

Revision ID: 0013_notice_outbox
Revises: 0012_imports
Create Date: 2026-12-04 19:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013_notice_outbox'
down_revision = '0012_imports'
branch_labels = None
depends_on = None


def _kind_of(key):
    """`timebank.notifications.services.kind_of`, as it was when this migration was written."""
    parts = key.split(":")
    if parts[0] == "help" and len(parts) > 2:
        return f"help_{parts[2]}"
    return parts[0].replace("-", "_")


def upgrade():
    op.create_table('notice_deliveries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('notification_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(), nullable=False),
    sa.Column('claimed_by', sa.String(length=32), nullable=True),
    sa.Column('urgent', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('last_error', sa.String(length=500), nullable=True),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['notification_id'], ['notifications.id'], name=op.f('fk_notice_deliveries_notification_id_notifications'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notice_deliveries')),
    sa.UniqueConstraint('notification_id', 'channel', name='uq_notice_deliveries_notification_id_channel')
    )
    with op.batch_alter_table('notice_deliveries', schema=None) as batch_op:
        batch_op.create_index('ix_notice_deliveries_due', ['status', 'next_attempt_at'], unique=False)

    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=40), server_default='', nullable=False))
        batch_op.add_column(sa.Column('params', sa.JSON(), nullable=True))

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('wechat_openid', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('notice_sms', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column('notice_wechat', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.create_unique_constraint(batch_op.f('uq_users_wechat_openid'), ['wechat_openid'])

    # Notifications written before this revision get the kind their key names.
    connection = op.get_bind()
    notifications = sa.table('notifications', sa.column('id', sa.Integer()),
                             sa.column('key', sa.String()), sa.column('kind', sa.String()))
    rows = connection.execute(sa.select(notifications.c.id, notifications.c.key)).all()
    by_kind = {}
    for row_id, key in rows:
        by_kind.setdefault(_kind_of(key), []).append(row_id)
    for kind, ids in by_kind.items():
        for start in range(0, len(ids), 500):
            connection.execute(notifications.update()
                               .where(notifications.c.id.in_(ids[start:start + 500]))
                               .values(kind=kind))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_users_wechat_openid'), type_='unique')
        batch_op.drop_column('notice_wechat')
        batch_op.drop_column('notice_sms')
        batch_op.drop_column('wechat_openid')

    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_column('params')
        batch_op.drop_column('kind')

    with op.batch_alter_table('notice_deliveries', schema=None) as batch_op:
        batch_op.drop_index('ix_notice_deliveries_due')

    op.drop_table('notice_deliveries')
