"""Links of unsent mail are sealed: the outbox keeps their tokens encrypted, not in the body.

Messages still waiting are sealed here (with the key the app uses, derived from the
secret key); failed ones lose their links, as sent ones already did.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_OUTBOX = sa.table("outboxmessage", sa.column("id", sa.Integer), sa.column("status"),
                   sa.column("message_id"), sa.column("body_text", sa.Text),
                   sa.column("body_html", sa.Text), sa.column("sealed_links", sa.Text))


def upgrade() -> None:
    with op.batch_alter_table("outboxmessage") as batch:
        batch.add_column(sa.Column("sealed_links", sa.Text(), nullable=True))
    from app.mail.links import DELIVERY_FAILED, removed, seal

    bind = op.get_bind()
    rows = bind.execute(sa.select(_OUTBOX).where(_OUTBOX.c.status != "sent")).all()
    for row in rows:
        if row.status == "failed":
            values = {"body_text": removed(row.body_text, DELIVERY_FAILED),
                      "body_html": removed(row.body_html, DELIVERY_FAILED)}
        else:
            text, html, sealed = seal(row.message_id, row.body_text, row.body_html)
            values = {"body_text": text, "body_html": html, "sealed_links": sealed}
        bind.execute(sa.update(_OUTBOX).where(_OUTBOX.c.id == row.id).values(**values))


def downgrade() -> None:
    from app.mail.links import opened

    bind = op.get_bind()
    sealed = sa.select(_OUTBOX).where(_OUTBOX.c.sealed_links.is_not(None))
    for row in bind.execute(sealed).all():
        text, html = opened(row)
        bind.execute(sa.update(_OUTBOX).where(_OUTBOX.c.id == row.id)
                     .values(body_text=text, body_html=html))
    with op.batch_alter_table("outboxmessage") as batch:
        batch.drop_column("sealed_links")
