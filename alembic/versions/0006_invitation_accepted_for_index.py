"""Index for the accepting tenant's branch of the Invitations list.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28
"""
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_invitation_accepted_for_created", "invitation",
                    ["accepted_for_organization_id", "created_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_invitation_accepted_for_created", "invitation")
