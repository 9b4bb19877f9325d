"""Identity provider (/identity-provider, User Management; Tenant Administrators): the
organization's OpenID Connect provider people sign in through, the redirect URI to
register there, Test connection, Save and Remove provider."""

import reflex as rx

from app import routes
from app.components.common import confirm_button, error_callout, field_label
from app.components.layout import shell
from app.components.sso_button import NativeForm
from app.services.identity_providers import MAX_DOMAINS
from app.states.identity_provider import IdentityProviderState as P
from app.states.shell import ShellState

_WRAP = {"overflow_wrap": "anywhere"}


def _section(title: str, *children: rx.Component, **props) -> rx.Component:
    return rx.card(rx.vstack(rx.heading(title, size="4", as_="h2"), *children, spacing="3",
                             width="100%"), width="100%", **props)


def _hint(text, control_id: str) -> rx.Component:
    return rx.text(text, size="1", color_scheme="gray", id=f"{control_id}-hint")


def _field(label: str, control_id: str, control: rx.Component, hint=None) -> rx.Component:
    return rx.vstack(field_label(label, control_id), control,
                     _hint(hint, control_id) if hint is not None else rx.fragment(),
                     spacing="1", width="100%")


def _input(control_id: str, name: str, value, **props) -> rx.Component:
    return rx.input(id=control_id, name=name, default_value=value, width="100%",
                    auto_complete="off", spell_check=False,
                    aria_describedby=f"{control_id}-hint", **props)


# --- what it is, and what to register at the provider -------------------------------------
def _intro() -> rx.Component:
    return rx.card(rx.vstack(
        rx.text("People of ", rx.text.strong(ShellState.org_name), " can sign in through "
                "your organization's OpenID Connect provider (Microsoft Entra ID, Okta, "
                "Google Workspace, Keycloak…). Commons sends the people whose email "
                "addresses are in the domains below to it, and accepts only the addresses "
                "it says it verified.", size="2"),
        rx.cond(P.exists,
                rx.hstack(rx.badge("Set up", color_scheme="green", variant="soft",
                                   high_contrast=True),
                          rx.text("The sign-in page offers “Sign in with ",
                                  rx.text.strong(P.provider_name, style=_WRAP), "”.",
                                  size="2"),
                          spacing="2", align="center", wrap="wrap"),
                rx.hstack(rx.badge("Not set up", color_scheme="gray", variant="soft",
                                   high_contrast=True),
                          rx.text("People sign in with passwords.", size="2"),
                          spacing="2", align="center", wrap="wrap")),
        spacing="3", width="100%"), width="100%")


def _redirect_uri() -> rx.Component:
    return _section(
        "Register Commons at your provider",
        rx.text("Create a web application (a confidential client using the authorization "
                "code flow) at your provider, with this redirect URI:", size="2"),
        rx.hstack(
            rx.code(P.redirect_uri, id="idp-redirect-uri", size="3", high_contrast=True,
                    style={"word_break": "break-all", "user_select": "all"}),
            rx.button(rx.icon("copy", size=14), "Copy", size="1", variant="soft",
                      type="button", aria_label="Copy the redirect URI",
                      on_click=[rx.set_clipboard(P.redirect_uri),
                                rx.toast.info("Redirect URI copied.")]),
            spacing="3", align="center", wrap="wrap", width="100%"),
        rx.text("Then enter the issuer URL, client ID and client secret it gives you.",
                size="2", color_scheme="gray"))


# --- the form -------------------------------------------------------------------------------
def _switch(control_id: str, name: str, label: str, checked, on_change, disabled=False,
            hint=None) -> rx.Component:
    """A switch the state holds (`checked`); it is submitted too, as `name`: "on" or
    nothing, which Save does not read."""
    return rx.vstack(
        rx.hstack(rx.switch(id=control_id, name=name, checked=checked, on_change=on_change,
                            disabled=disabled, aria_describedby=f"{control_id}-hint",
                            margin_top="2px"),
                  field_label(label, control_id), spacing="2", align="start"),
        rx.box(hint if hint is not None else rx.fragment(), id=f"{control_id}-hint",
               padding_left="44px"),
        spacing="1", width="100%")


def _password_hint() -> rx.Component:
    """Why the password switch cannot be turned off yet, and the way to allow it."""
    locked = P.password_sign_in & ~P.signed_in_through
    name = rx.cond(P.provider_name != "", P.provider_name, "the provider")
    return rx.cond(
        locked,
        rx.vstack(
            rx.text("Password sign-in can be turned off only once you have signed in "
                    "through ", name, " yourself, so you know it works.", size="1",
                    color_scheme="gray"),
            rx.cond(P.exists,
                    # posts the page's sign-in form (outside this one): a full page load
                    rx.button(rx.icon("log-in", size=13, aria_hidden="true"),
                              "Sign in through ", P.provider_name, type="submit",
                              variant="ghost", size="1", id="idp-sign-in-through",
                              custom_attrs={"form": SIGN_IN_FORM}),
                    rx.text("Save the provider first.", size="1", color_scheme="gray")),
            spacing="1"),
        rx.cond(P.allow_password,
                rx.text("People may also sign in with their Commons passwords.", size="1",
                        color_scheme="gray"),
                rx.text("Only ", name, " signs people in; turn this on again to let them "
                        "use their passwords too.", size="1", color_scheme="gray")))


def _test_result() -> rx.Component:
    return rx.cond(P.test_line != "", rx.cond(
        P.test_ok,
        rx.callout(P.test_line, icon="circle-check", color_scheme="green", role="status",
                   high_contrast=True, width="100%", style=_WRAP, id="idp-test-result"),
        rx.callout(P.test_line, icon="triangle-alert", color_scheme="red", role="alert",
                   width="100%", style=_WRAP, id="idp-test-result")))


def _form() -> rx.Component:
    name_hint = rx.cond(P.provider_name != "", rx.text("Shown as “Sign in with ",
                                                       P.provider_name, "”."),
                        rx.text("Shown as “Sign in with …” on the sign-in page."))
    return _section("Provider", rx.form(rx.vstack(
        _field("Provider name", "idp-name",
               _input("idp-name", "name", P.provider_name, max_length=100,
                      placeholder="e.g. Contoso Entra ID"), hint=name_hint),
        _field("Issuer URL", "idp-issuer",
               _input("idp-issuer", "issuer", P.issuer, max_length=500, input_mode="url",
                      placeholder="https://login.example.com/",
                      on_blur=P.set_typed_issuer),
               hint="Exactly as the provider's /.well-known/openid-configuration names it."),
        rx.grid(
            _field("Client ID", "idp-client-id",
                   _input("idp-client-id", "client_id", P.client_id, max_length=300)),
            _field("Client secret", "idp-client-secret",
                   rx.input(id="idp-client-secret", name="client_secret", type="password",
                            auto_complete="new-password", width="100%", max_length=500,
                            placeholder=rx.cond(P.has_secret, "Stored (leave blank to keep)",
                                                ""),
                            aria_describedby="idp-client-secret-hint"),
                   hint="Kept encrypted; never shown again."),
            _field("Scopes", "idp-scopes",
                   _input("idp-scopes", "scopes", P.scopes, max_length=300),
                   hint="Separated by spaces; must include openid."),
            _field("Email claim", "idp-email-claim",
                   _input("idp-email-claim", "email_claim", P.email_claim, max_length=64),
                   hint="The ID token claim that holds the person's address."),
            columns=rx.breakpoints(initial="1", md="2"), spacing="4", width="100%"),
        _field("Email domains", "idp-domains",
               rx.text_area(id="idp-domains", name="domains", default_value=P.domains,
                            rows="3", width="100%", spell_check=False,
                            placeholder="contoso.example",
                            aria_describedby="idp-domains-hint"),
               hint=f"One a line, or separated by commas; at most {MAX_DOMAINS}. People "
                    "with these addresses are sent to the provider to sign in."),
        _switch("idp-password", "password_sign_in", "Allow password sign-in", P.allow_password,
                P.set_allow_password, disabled=P.password_sign_in & ~P.signed_in_through,
                hint=_password_hint()),
        _switch("idp-just-in-time", "just_in_time",
                "Create accounts for new people of these domains (as Tenant Member)",
                P.just_in_time, P.set_just_in_time,
                hint=rx.text("Otherwise only people who already have an account here "
                             "can sign in.", size="1", color_scheme="gray")),
        _test_result(),
        error_callout(P.form_error),
        rx.hstack(
            rx.button(rx.icon("plug-zap", size=16), "Test connection", type="button",
                      variant="soft", on_click=P.test_connection, loading=P.testing,
                      disabled=P.busy),
            rx.button("Save", type="submit", loading=P.busy, id="idp-save"),
            spacing="3", wrap="wrap", justify="end", width="100%"),
        spacing="4", width="100%"),
        on_submit=P.save, reset_on_submit=False, width="100%", key=P.form_key))


# --- verifying the email domains -----------------------------------------------------------
def _domain_row(row) -> rx.Component:
    domain = row["domain"].to(str)
    return rx.vstack(
        rx.hstack(
            rx.text(domain, weight="bold", style=_WRAP),
            rx.cond(row["verified"].to(str) != "",
                    rx.badge(rx.icon("circle-check", size=12), "Verified", color_scheme="green"),
                    rx.badge("Not verified", color_scheme="amber")),
            spacing="2", align="center", wrap="wrap"),
        rx.cond(row["verified"].to(str) == "", rx.vstack(
            rx.text("Publish this TXT record in the domain's DNS, then press Verify:", size="2"),
            rx.grid(
                rx.text("Name", size="1", color_scheme="gray"),
                rx.code(row["record_name"].to(str), style=_WRAP),
                rx.text("Value", size="1", color_scheme="gray"),
                rx.hstack(rx.code(row["record_value"].to(str), style=_WRAP),
                          rx.button(rx.icon("copy", size=14), "Copy", size="1",
                                    variant="soft", type="button",
                                    aria_label="Copy the value for " + domain,
                                    on_click=[rx.set_clipboard(row["record_value"].to(str)),
                                              rx.toast.info("Value copied.")]),
                          spacing="2", align="center", wrap="wrap"),
                columns="auto 1fr", spacing_x="3", spacing_y="1", align="center"),
            rx.button(rx.icon("shield-check", size=16), "Verify " + domain, size="2",
                      variant="soft", type="button", on_click=P.verify_domain(domain),
                      loading=P.verifying == domain, disabled=P.verifying != ""),
            spacing="2", width="100%")),
        spacing="2", width="100%", padding_y="8px",
        border_top=f"1px solid {rx.color('gray', 5)}")


def _domains() -> rx.Component:
    return rx.cond(P.domain_records.length() > 0, _section(
        "Email domains",
        rx.text("A domain counts once its DNS proves it is yours: until then invitations to "
                "its addresses are not sent through the provider, and no accounts are made "
                "for it. Whoever verifies a domain holds it.", size="2"),
        rx.foreach(P.domain_records, _domain_row),
        rx.cond(P.verify_line != "", rx.cond(
            P.verify_ok,
            rx.callout(P.verify_line, icon="circle-check", color_scheme="green", role="status",
                       high_contrast=True, width="100%", style=_WRAP),
            rx.callout(P.verify_line, icon="triangle-alert", color_scheme="red", role="alert",
                       width="100%", style=_WRAP))),
    ))


# --- removing it ----------------------------------------------------------------------------
def _remove() -> rx.Component:
    return rx.cond(P.exists, _section(
        "Remove provider",
        rx.text("People then sign in with passwords again. Accounts stay; their links to "
                "the provider are deleted, and the sessions it signed in end.", size="2"),
        rx.cond(~P.password_sign_in, rx.text(
            "Turn password sign-in on and save before removing the provider, so that "
            "nobody is locked out.", size="2", color_scheme="gray")),
        error_callout(P.remove_error),
        rx.box(confirm_button(
            rx.button(rx.icon("trash-2", size=16), "Remove provider", color_scheme="red",
                      variant="soft", disabled=P.busy | ~P.password_sign_in),
            "Remove identity provider",
            rx.text("Remove ", rx.text.strong(P.provider_name, style=_WRAP), "? People "
                    "can no longer sign in through it, and their links to it are deleted. "
                    "The sessions it signed in end. This cannot be undone."),
            "Remove provider", P.remove)),
    ))


SIGN_IN_FORM = "idp-sign-in-form"


def _sign_in_form() -> rx.Component:
    """Signing in through the provider from here, and back (see `_password_hint`)."""
    return NativeForm.create(
        rx.el.input(type="hidden", name="tenant", value=P.sign_in_tenant),
        rx.el.input(type="hidden", name="next", value=routes.IDENTITY_PROVIDER),
        method="post", action=routes.API_SSO_START, id=SIGN_IN_FORM, display="none")


def identity_provider_page() -> rx.Component:
    return shell("Identity provider", error_callout(P.error),
                 rx.cond(P.loaded & (P.error == ""),
                         rx.fragment(_intro(), _redirect_uri(), _form(), _domains(),
                                     _remove(), _sign_in_form())))
