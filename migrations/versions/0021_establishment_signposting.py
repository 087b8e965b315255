"""establishment.advocacy_name and advocacy_contact: the advocacy provider children are shown

Revision ID: 0021
Revises: 0020
"""

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("establishment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("advocacy_name", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("advocacy_contact", sa.String(length=300), nullable=True))


def downgrade():
    with op.batch_alter_table("establishment", schema=None) as batch_op:
        batch_op.drop_column("advocacy_contact")
        batch_op.drop_column("advocacy_name")
