"""not-applicable answers kept out of finalised bases; children held on the day

Revision ID: 0010
Revises: 0005

``published_count.not_applicable``: how many answered with a not-applicable option (such
as "I have not seen a fight here"); later comparisons leave them out of the base. Rows
finalised before this revision get 0 (their bases stay as they were published).

``inspection.children_held``: how many children the establishment held on the day, as the
inspector entered it (nullable: not entered). With it the evidence reports the response
rate and applies the finite-population correction to intervals.
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("published_count", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("not_applicable", sa.Integer(), nullable=False, server_default="0")
        )
    with op.batch_alter_table("inspection", schema=None) as batch_op:
        batch_op.add_column(sa.Column("children_held", sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table("inspection", schema=None) as batch_op:
        batch_op.drop_column("children_held")
    with op.batch_alter_table("published_count", schema=None) as batch_op:
        batch_op.drop_column("not_applicable")
