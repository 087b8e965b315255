"""finalised evidence: published counts, safeguarding referrals, inspection.finalised_on

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("inspection", schema=None) as batch_op:
        batch_op.add_column(sa.Column("finalised_on", sa.Date(), nullable=True))

    op.create_table(
        "published_count",
        sa.Column("inspection_id", sa.String(length=32), nullable=False),
        sa.Column("questionnaire_id", sa.String(length=64), nullable=False),
        sa.Column("question_id", sa.String(length=64), nullable=False),
        sa.Column("respondents", sa.Integer(), nullable=False),
        sa.Column("asked", sa.Integer(), nullable=False),
        sa.Column("missing", sa.Integer(), nullable=False),
        sa.Column("dont_want_to_say", sa.Integer(), nullable=False),
        sa.Column("positive", sa.Integer(), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["inspection_id"], ["inspection.id"]),
        sa.PrimaryKeyConstraint("inspection_id", "questionnaire_id", "question_id"),
    )
    op.create_table(
        "safeguarding_referral",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("inspection_id", sa.String(length=32), nullable=False),
        sa.Column("comment_ref", sa.String(length=64), nullable=False),
        sa.Column("referred_by", sa.String(length=254), nullable=False),
        sa.Column("referred_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["inspection_id"], ["inspection.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("safeguarding_referral", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_safeguarding_referral_inspection_id"), ["inspection_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("safeguarding_referral", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_safeguarding_referral_inspection_id"))
    op.drop_table("safeguarding_referral")
    op.drop_table("published_count")
    with op.batch_alter_table("inspection", schema=None) as batch_op:
        batch_op.drop_column("finalised_on")
