"""Reflex configuration: everything comes from app/settings.py."""

import reflex as rx

from app.settings import ConfigError, get_settings

try:
    _s = get_settings()
except ConfigError as err:  # one clear line, not a traceback
    raise SystemExit(f"commons: {err}") from None

config = rx.Config(
    app_name="app",
    db_url=_s.database_url,
    redis_url=_s.redis_url,
    frontend_port=_s.port,
    backend_port=_s.port,
    telemetry_enabled=False,
    # Drives both the CORS middleware of the HTTP routes and the websocket's Origin check.
    cors_allowed_origins=list(_s.allowed_origins),
    show_built_with_reflex=False,
    plugins=[rx.plugins.RadixThemesPlugin(
        theme=rx.theme(accent_color="indigo", gray_color="slate", radius="medium"))],
    disable_plugins=[rx.plugins.SitemapPlugin],
)
