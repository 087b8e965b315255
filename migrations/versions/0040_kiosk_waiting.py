"""kiosk.waiting: how many sealed responses an offline tablet says it holds (a count only)

Revision ID: 0040
Revises: 0035
"""

import sqlalchemy as sa
from alembic import op

revision = "0040"
down_revision = "0035"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("kiosk", schema=None) as batch_op:
        batch_op.add_column(sa.Column("waiting", sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table("kiosk", schema=None) as batch_op:
        batch_op.drop_column("waiting")
