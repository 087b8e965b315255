"""unit: an establishment's units, named by inspectors, offered to children by stable id

Revision ID: 0050
Revises: 0040
"""

import sqlalchemy as sa
from alembic import op

revision = "0050"
down_revision = "0040"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "unit",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("establishment_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("retired", sa.Boolean(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(["establishment_id"], ["establishment.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("unit", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_unit_establishment_id"), ["establishment_id"])


def downgrade():
    with op.batch_alter_table("unit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_unit_establishment_id"))
    op.drop_table("unit")
