"""inspection.previous_id and previous_chosen: the team's choice of previous inspection

Revision ID: 0025
Revises: 0021
"""

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("inspection", schema=None) as batch_op:
        batch_op.add_column(sa.Column("previous_id", sa.String(length=32), nullable=True))
        batch_op.add_column(
            sa.Column("previous_chosen", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.create_foreign_key(
            "fk_inspection_previous_id", "inspection", ["previous_id"], ["id"]
        )


def downgrade():
    with op.batch_alter_table("inspection", schema=None) as batch_op:
        batch_op.drop_constraint("fk_inspection_previous_id", type_="foreignkey")
        batch_op.drop_column("previous_chosen")
        batch_op.drop_column("previous_id")
