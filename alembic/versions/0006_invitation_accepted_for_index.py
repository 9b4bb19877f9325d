"""Index for the accepting tenant's branch of the Invitations list.

Partial (accepted rows only): most invitations have no accepting tenant, and with every
NULL counted as one value SQLite's statistics would call the branch unselective and scan
a sort index instead.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28
"""
import sqlalchemy as sa
from alembic import op

ACCEPTED = sa.text("accepted_for_organization_id IS NOT NULL")

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_invitation_accepted_for_created", "invitation",
                    ["accepted_for_organization_id", "created_at", "id"],
                    sqlite_where=ACCEPTED, postgresql_where=ACCEPTED)


def downgrade() -> None:
    op.drop_index("ix_invitation_accepted_for_created", "invitation")
