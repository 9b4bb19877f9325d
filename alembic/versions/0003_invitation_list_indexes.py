"""Indexes for the Invitations page: each visibility branch is read in created order.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

INDEXES = {
    "ix_invitation_sender_created": ["invited_by_user_id", "created_at", "id"],
    "ix_invitation_recipient_created": ["recipient", "created_at", "id"],
    "ix_invitation_org_recipient": ["organization_id", "recipient"],
    "ix_invitation_sender_recipient": ["invited_by_user_id", "recipient"],
}


def upgrade() -> None:
    for name, columns in INDEXES.items():
        op.create_index(name, "invitation", columns)


def downgrade() -> None:
    for name in INDEXES:
        op.drop_index(name, "invitation")
