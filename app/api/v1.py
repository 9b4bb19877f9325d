"""The HTTP API, /api/v1 (issue 16): the same invitation core the pages call, nothing else.

Authentication is a personal API token (`Authorization: Bearer cmn_…`, made on the API
tokens page), never a cookie, so another site's page cannot use it through a person's
browser. The routes live in one module per family; this one puts them together, then the
reference page and the answer for anything else under /api/v1. Errors are problem
documents (app/api/problems.py); lists page by cursor, never by offset.
"""

from fastapi.responses import HTMLResponse

from app.api import (  # noqa: F401  (each registers its routes)
    v1_communities,
    v1_invitations,
    v1_organization,
    v1_people,
    v1_webhooks,
)
from app.api.core import PREFIX, api
from app.api.problems import from_error
from app.api.reference import render
from app.domain.errors import NotFound


@api.get(f"{PREFIX}/docs", include_in_schema=False)
async def reference() -> HTMLResponse:
    """The readable reference, from the OpenAPI document."""
    return HTMLResponse(render(api.openapi()))


@api.api_route(PREFIX + "/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
               include_in_schema=False)
def unknown(rest: str):
    """Anything else under /api/v1 is a problem document, never the app's HTML page."""
    return from_error(NotFound("There is no such API resource."))


__all__ = ["api"]
