"""Indexes for sorting the Invitations page: each sender branch by each sortable column.

A keyset page in (column, id) order reads (branch column, column, id) in order; the
status-filtered page reads (branch column, status, created_at, id).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28
"""
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

REPLACED = {
    "ix_invitation_org_recipient": ["organization_id", "recipient"],
    "ix_invitation_sender_recipient": ["invited_by_user_id", "recipient"],
}
INDEXES = {
    "ix_invitation_org_recipient_id": ["organization_id", "recipient", "id"],
    "ix_invitation_sender_recipient_id": ["invited_by_user_id", "recipient", "id"],
    "ix_invitation_org_expires": ["organization_id", "expires_at", "id"],
    "ix_invitation_sender_expires": ["invited_by_user_id", "expires_at", "id"],
    "ix_invitation_org_kind": ["organization_id", "kind", "id"],
    "ix_invitation_sender_kind": ["invited_by_user_id", "kind", "id"],
    "ix_invitation_org_status_created": ["organization_id", "status", "created_at", "id"],
    "ix_invitation_sender_status_created": ["invited_by_user_id", "status", "created_at",
                                            "id"],
}


def upgrade() -> None:
    for name in REPLACED:
        op.drop_index(name, "invitation")
    for name, columns in INDEXES.items():
        op.create_index(name, "invitation", columns)


def downgrade() -> None:
    for name in INDEXES:
        op.drop_index(name, "invitation")
    for name, columns in REPLACED.items():
        op.create_index(name, "invitation", columns)
