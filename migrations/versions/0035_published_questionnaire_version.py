"""published_count.questionnaire_version: the version whose wording the counts answered

Counts finalised before this revision answered version 1, the only version there was.

Revision ID: 0035
Revises: 0026
"""

import sqlalchemy as sa
from alembic import op

revision = "0035"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("published_count", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("questionnaire_version", sa.Integer(), nullable=False, server_default="1")
        )


def downgrade():
    with op.batch_alter_table("published_count", schema=None) as batch_op:
        batch_op.drop_column("questionnaire_version")
