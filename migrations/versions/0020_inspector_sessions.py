"""inspector.session_version: signing out ends every session of the account

Revision ID: 0020
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("inspector", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("session_version", sa.Integer(), nullable=False, server_default="0")
        )


def downgrade():
    with op.batch_alter_table("inspector", schema=None) as batch_op:
        batch_op.drop_column("session_version")
