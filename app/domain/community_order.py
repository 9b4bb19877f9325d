"""The order in which lists offer communities: each MSSP main community first, with its
managed communities under it, then plain managed communities, then standard ones."""

from collections.abc import Iterable

_KIND_RANK = {"mssp": 0, "managed": 1, "standard": 2}


def ordered(rows: Iterable[dict]) -> list[dict]:
    """Rows with `id`, `name`, `kind`, `parent_id`; children follow their visible parent.

    Each row gains `depth` (1 under its main community, else 0).
    """
    rows = list(rows)
    ids = {r["id"] for r in rows}
    children: dict[int, list[dict]] = {}
    tops = []
    for row in rows:
        if row.get("parent_id") in ids:
            children.setdefault(row["parent_id"], []).append(row)
        else:
            tops.append(row)
    out = []
    for top in sorted(tops, key=lambda r: (_KIND_RANK.get(r["kind"], 3), r["name"].lower())):
        out.append({**top, "depth": 0})
        for child in sorted(children.get(top["id"], []), key=lambda r: r["name"].lower()):
            out.append({**child, "depth": 1})
    return out
