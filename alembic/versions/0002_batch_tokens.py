"""One link for a batch: invitation rows of a batch share their token hash.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_NAMES = {"uq": "uq_%(table_name)s_%(column_0_name)s"}


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table("invitation", naming_convention=_NAMES) as batch:
            batch.drop_constraint("uq_invitation_token_hash", type_="unique")
            batch.create_index("ix_invitation_token_hash", ["token_hash"])
    else:
        op.drop_constraint("invitation_token_hash_key", "invitation", type_="unique")
        op.create_index("ix_invitation_token_hash", "invitation", ["token_hash"])


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table("invitation", naming_convention=_NAMES) as batch:
            batch.drop_index("ix_invitation_token_hash")
            batch.create_unique_constraint("uq_invitation_token_hash", ["token_hash"])
    else:
        op.drop_index("ix_invitation_token_hash", "invitation")
        op.create_unique_constraint("invitation_token_hash_key", "invitation", ["token_hash"])
