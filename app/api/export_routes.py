"""GET /invitations.csv: the filtered Invitations list, streamed (never through state)."""

import csv
import io

from starlette.requests import Request
from starlette.responses import PlainTextResponse, StreamingResponse
from starlette.routing import Route

from app.api.guards import foreign_origin, session_token
from app.db import session_scope
from app.domain.errors import DomainError, NotSignedIn
from app.models import utcnow
from app.services.auth import viewer_for_token
from app.services.invitation_list import export_rows, filters_from, order_from
from app.settings import get_settings

COLUMNS = [("kind", "Kind"), ("recipient", "Recipient"), ("where", "Where"),
           ("grants", "Grants"), ("status", "Status"), ("invited_by", "Invited by"),
           ("from_org", "From organization"), ("sent", "Sent (UTC)"),
           ("expires", "Expires (UTC)"), ("delivery", "Delivery")]


def _safe(value: str) -> str:
    """Cells that a spreadsheet would run as a formula are prefixed with a quote."""
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


async def export_csv(request: Request):
    if foreign_origin(request):
        return PlainTextResponse("Cross-site request refused.", status_code=403)
    try:
        with session_scope() as db:
            viewer = viewer_for_token(db, secret_key=get_settings().secret_key,
                                      token=session_token(request), now=utcnow())
    except NotSignedIn:
        return PlainTextResponse("Sign in to export invitations.", status_code=401)
    try:
        filters, order = filters_from(request.query_params), order_from(request.query_params)
    except DomainError as err:
        return PlainTextResponse(err.message, status_code=400)
    now = utcnow()

    def lines():
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow([title for _, title in COLUMNS])
        with session_scope() as db:
            for row in export_rows(db, viewer, filters, now, order=order):
                writer.writerow([_safe(str(row[key])) for key, _ in COLUMNS])
                if buffer.tell() > 64_000:
                    yield buffer.getvalue()
                    buffer.seek(0)
                    buffer.truncate()
        yield buffer.getvalue()

    return StreamingResponse(lines(), media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": 'attachment; filename="invitations.csv"',
        "Cache-Control": "no-store"})


ROUTES = [Route("/invitations.csv", export_csv, methods=["GET"])]
