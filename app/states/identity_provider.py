"""The Identity provider page (User Management, Tenant Administrators): the organization's
OpenID Connect provider, Test connection, Save and Remove. The client secret travels only
from the browser to the service: no var holds it."""

import asyncio
from types import SimpleNamespace

import reflex as rx

from app import routes
from app.models import utcnow
from app.services import identity_providers as idp
from app.settings import get_settings
from app.sso.discovery import ADMIN_POOL, off_loop
from app.states.page import ViewerPage
from app.states.viewer import run

# the most a field of the form may carry before the service is asked (it says the real
# limits); the domains box holds MAX_DOMAINS names with room for separators
_LIMITS = {"name": 1_000, "issuer": 2_000, "client_id": 1_000, "client_secret": 2_000,
           "scopes": 1_000, "email_claim": 1_000, "domains": 10_000}
_WORDS = {"name": "provider's name", "issuer": "issuer URL", "client_id": "client ID",
          "client_secret": "client secret", "scopes": "scopes", "email_claim": "email claim",
          "domains": "list of email domains"}


class IdentityProviderState(ViewerPage, rx.State):
    # what is stored (never the client secret: only whether there is one)
    exists: bool = False
    provider_name: str = ""
    issuer: str = ""
    client_id: str = ""
    has_secret: bool = False
    scopes: str = idp.DEFAULT_SCOPES
    email_claim: str = idp.DEFAULT_CLAIM
    domains: str = ""  # one a line
    password_sign_in: bool = True
    signed_in_through: bool = False  # the viewer, at the provider's current issuer
    sign_in_tenant: str = ""  # the organization whose provider "Sign in through" uses
    redirect_uri: str = ""
    # the form: a new `form_key` mounts its fields afresh with what was read
    form_key: int = 0
    allow_password: bool = True
    just_in_time: bool = False
    form_error: str = ""
    # Test connection: the issuer typed (as the field was left), and its one line
    typed_issuer: str = ""
    testing: bool = False
    test_line: str = ""
    test_ok: bool = False
    remove_error: str = ""
    # each domain: verified or not, and the DNS TXT record that verifies it
    domain_records: list[dict[str, str]] = []
    verifying: str = ""        # the domain being looked up
    verify_line: str = ""
    verify_ok: bool = False

    def _refresh(self, db, viewer) -> None:
        shown = idp.view(db, viewer)
        self.exists, self.provider_name = shown["exists"], shown["name"]
        self.issuer, self.client_id = shown["issuer"], shown["client_id"]
        self.has_secret, self.scopes = shown["has_secret"], shown["scopes"]
        self.email_claim, self.domains = shown["email_claim"], "\n".join(shown["domains"])
        self.password_sign_in = self.allow_password = shown["password_sign_in"]
        self.just_in_time = shown["just_in_time"]
        self.signed_in_through = shown["signed_in_through"]
        self.sign_in_tenant, self.redirect_uri = shown["sign_in_tenant"], shown["redirect_uri"]
        self.typed_issuer = shown["issuer"]
        self.domain_records = [{**r, "verified": "yes" if r["verified"] else ""}
                               for r in shown["domain_records"]]
        self.form_key += 1

    def _clear(self) -> None:
        self.exists, self.provider_name, self.issuer, self.client_id = False, "", "", ""
        self.has_secret, self.domains, self.sign_in_tenant, self.redirect_uri = False, "", "", ""
        self.signed_in_through, self.typed_issuer = False, ""
        self.domain_records = []

    def _start(self) -> None:
        self.form_error, self.test_line, self.remove_error = "", "", ""

    def _page_path(self) -> str:
        return routes.IDENTITY_PROVIDER

    # --- the form's own controls ---------------------------------------------------------
    @rx.event
    def set_typed_issuer(self, value: str):
        """The Issuer URL field was left: Test connection checks what it holds."""
        value = value[:idp.MAX_ISSUER + 1]
        if value != self.typed_issuer:
            self.typed_issuer, self.test_line = value, ""

    @rx.event
    def set_allow_password(self, value: bool):
        self.allow_password = bool(value)

    @rx.event
    def set_just_in_time(self, value: bool):
        self.just_in_time = bool(value)

    # --- actions -----------------------------------------------------------------------------
    @rx.event
    def save(self, form: dict):
        """Create or change the provider; a refusal stays in the form and saves nothing."""
        typed = {k: str(form.get(k) or "") for k in _LIMITS}
        if long := next((k for k, v in typed.items() if len(v) > _LIMITS[k]), None):
            self.form_error = f"The {_WORDS[long]} is too long; nothing was saved."
            return
        allow, new_people = self.allow_password, self.just_in_time
        self.busy = True
        yield
        try:
            done = self._submit(lambda db, v: idp.save(
                db, v, name=typed["name"], issuer=typed["issuer"],
                client_id=typed["client_id"], client_secret=typed["client_secret"],
                scopes=typed["scopes"], email_claim=typed["email_claim"],
                domains=idp.split_domains(typed["domains"]), password_sign_in=allow,
                just_in_time=new_people, now=utcnow()), "form_error")
        finally:
            self.busy = False
        if not done.done:
            if done.away is not None:
                yield done.away
            return
        self._reload()
        yield rx.toast.success("Identity provider saved.")
        yield IdentityProviderState.test_connection  # what was saved, read and checked

    @rx.event(background=True)
    async def test_connection(self):
        """Fetch the typed issuer's discovery document and keys, off the event loop and
        outside the state's lock (it may take seconds), and show the one line it gives."""
        async with self:
            if self.testing:
                return None
            self.testing, self.test_line = True, ""
            issuer, caller = self.typed_issuer, SimpleNamespace(router=self.router)
        result = None
        try:
            done = await asyncio.to_thread(
                run, caller, lambda db, v: idp.connection_issuer(db, v, issuer))
            if done.done:
                result = await idp.test_connection(
                    done.result, allow_private=get_settings().outbound_allow_private)
        finally:
            async with self:
                self.testing = False
        async with self:
            if done.away is not None:
                return done.away
            self.test_ok = result is not None and result.ok
            self.test_line = result.line if result is not None else done.refusal
        return None

    @rx.event(background=True)
    async def verify_domain(self, domain: str):
        """Look the domain's TXT record up (off the event loop, outside the state's lock)
        and mark the domain verified when it carries this organization's value."""
        domain = domain[:253]
        async with self:
            if self.verifying:
                return None
            self.verifying, self.verify_line = domain, ""
            caller = SimpleNamespace(router=self.router)
        try:
            asked = await asyncio.to_thread(
                run, caller, lambda db, v: idp.domain_to_verify(db, v, domain))
            published = (await off_loop(idp.txt_records, asked.result[0], pool=ADMIN_POOL)
                         if asked.done else [])
            done = asked if not asked.done else await asyncio.to_thread(
                run, caller, lambda db, v: idp.mark_verified(db, v, domain, published,
                                                            now=utcnow()))
        finally:
            async with self:
                self.verifying = ""
        async with self:
            if done.away is not None:
                return done.away
            self.verify_ok = done.done
            self.verify_line = (f"{domain} is verified: its people sign in through "
                                f"{self.provider_name}." if done.done else done.refusal)
            if done.done:
                self._reload()
        return None

    @rx.event
    def remove(self):
        """Remove the provider (asked first); refused while password sign-in is off."""
        done = self._submit(lambda db, v: idp.remove(db, v, now=utcnow()), "remove_error")
        if not done.done:
            return done.away
        self.test_line = ""
        self._reload()
        return rx.toast.success("Identity provider removed: people sign in with passwords.")
