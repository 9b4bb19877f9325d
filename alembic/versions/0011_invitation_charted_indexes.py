"""The two (branch column, created_at, id) indexes of invitations also hold what the
Overview's charts read (kind, status, expiry, answers), so a window is read from the index
alone instead of one table row per invitation.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29
"""
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

CHARTED = ["kind", "status", "expires_at", "accepted_at", "declined_at"]
INDEXES = {"ix_invitation_org_created": ("organization_id", "invited_by_user_id"),
           "ix_invitation_sender_created": ("invited_by_user_id", "organization_id")}


def upgrade() -> None:
    for name, (branch, other) in INDEXES.items():
        op.drop_index(name, "invitation")
        op.create_index(name, "invitation", [branch, "created_at", "id", other, *CHARTED])


def downgrade() -> None:
    for name, (branch, _other) in INDEXES.items():
        op.drop_index(name, "invitation")
        op.create_index(name, "invitation", [branch, "created_at", "id"])
