"""/api/v1/docs: the API's reference, written from its OpenAPI document on the server, with
nothing fetched from elsewhere (no script, no CDN): readable offline and behind firewalls."""

import re
from html import escape

METHODS = ("get", "post", "put", "patch", "delete")
STYLE = """
body{font:16px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;
color:#1c2024;background:#fff}
a{color:#0b4fb3}code{overflow-wrap:anywhere}
@media (prefers-color-scheme:dark){body{color:#edeef0;background:#111113}a{color:#9ec1ff}
code,.op{background:#222325!important}}
h1{font-size:1.6rem}h2{font-size:1.2rem;margin-top:2rem}h3{font-size:1rem;margin:0}
code{background:#f0f0f3;padding:0 .25rem;border-radius:4px}
.op{background:#f9f9fb;border-radius:8px;padding:.75rem 1rem;margin:.75rem 0}
.m{font-weight:700;text-transform:uppercase;margin-right:.5rem}
table{border-collapse:collapse;margin:.5rem 0}td,th{padding:.2rem .75rem .2rem 0;
text-align:left;vertical-align:top}
"""


def _schema_fields(doc: dict, schema: dict) -> list[tuple[str, str, bool]]:
    if "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    if "anyOf" in schema:  # an optional body
        schema = next((s for s in schema["anyOf"] if s.get("type") != "null"), {})
        return _schema_fields(doc, schema)
    required = set(schema.get("required", []))
    return [(name, f.get("description") or f.get("type", ""), name in required)
            for name, f in schema.get("properties", {}).items()]


def _operation(doc: dict, path: str, method: str, op: dict) -> str:
    rows = [f"<tr><td><code>{escape(p['name'])}</code></td><td>{escape(p['in'])}"
            f"{', required' if p.get('required') else ''}</td>"
            f"<td>{escape(p.get('description') or p.get('schema', {}).get('type', ''))}</td></tr>"
            for p in op.get("parameters", [])]
    body = op.get("requestBody", {}).get("content", {}).get("application/json", {})
    rows += [f"<tr><td><code>{escape(n)}</code></td><td>body{', required' if r else ''}</td>"
             f"<td>{escape(d)}</td></tr>" for n, d, r in _schema_fields(doc, body.get(
                 "schema", {}))] if body else []
    codes = ", ".join(escape(c) for c in op.get("responses", {}))
    return (f'<div class="op"><h3><span class="m">{method}</span><code>{escape(path)}</code>'
            f'</h3><p>{escape(op.get("summary", ""))}</p>'
            + (f"<table><tr><th>Name</th><th>Where</th><th>What</th></tr>{''.join(rows)}"
               "</table>" if rows else "")
            + f"<p>Answers: {codes}; errors are problem documents.</p></div>")


def _code(text: str) -> str:
    """Escaped, with `this` as code."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", escape(text))


def render(doc: dict) -> str:
    sections: dict[str, list[str]] = {}
    for path, item in doc["paths"].items():
        for method in METHODS:
            if method in item:
                tag = (item[method].get("tags") or ["other"])[0]
                sections.setdefault(tag, []).append(_operation(doc, path, method,
                                                               item[method]))
    info = doc["info"]
    parts = "".join(f"<h2>{escape(tag.capitalize())}</h2>{''.join(ops)}"
                    for tag, ops in sections.items())
    return (f"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
            f"<title>{escape(info['title'])} reference</title><style>{STYLE}</style></head>"
            f"<body><main><h1>{escape(info['title'])}, version {escape(info['version'])}</h1>"
            f"<p>{_code(info.get('description', ''))}</p>"
            f"<p>The machine-readable document: <a href=\"openapi.json\">openapi.json</a> "
            f"(OpenAPI {escape(doc['openapi'])}).</p>{parts}</main></body></html>")
