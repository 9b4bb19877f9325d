"""Schemathesis against the API's own OpenAPI document, in process (issue 16): about 20
generated requests per operation, with a valid token of each scope and with none; no answer
is a server error and every answer matches the document."""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance
from sqlmodel import Session

from app import db as app_db
from app.api import core, v1
from app.services import api_tokens as at
from app.settings import get_settings
from tests.helpers import NOW, viewer

schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", v1.api)
CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance]


@pytest.fixture
def tokens(engine, demo, monkeypatch):
    monkeypatch.setitem(app_db._engines, get_settings().database_url, engine)
    monkeypatch.setattr(core, "tell", lambda *a, **k: None)
    with Session(engine) as db:
        made = {scope: at.create_token(db, viewer(db, "alice"), scope, scope, "30", now=NOW,
                                       secret_key=get_settings().secret_key).token
                for scope in (at.READ, at.WRITE)}
        db.commit()
    return made


@schema.parametrize()
@settings(max_examples=20, deadline=None, derandomize=True, print_blob=True,
          suppress_health_check=list(HealthCheck))
def test_no_server_error_and_every_answer_as_documented(case, tokens):
    for token in (tokens[at.WRITE], tokens[at.READ], None):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        case.call_and_validate(headers=headers, checks=CHECKS)
