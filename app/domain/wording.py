"""Counted words: a noun agrees with how many things it counts or names ("1 member",
"the group Support", "the roles Community Member and Tenant Member")."""

from app.domain.permissions import BUILTIN_ROLES


def counted(n: int, one: str, many: str = "") -> str:
    """"1 member", "2 members", "1,000 usernames" (`many` defaults to `one` + "s")."""
    return f"{n:,} {one if n == 1 else many or one + 's'}"


def listing(names: list[str]) -> str:
    """"A", "A and B", "A, B and C"."""
    if len(names) < 2:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def the_named(one: str, names: list[str], many: str = "") -> str:
    """"the group Support", "the roles Community Member and Tenant Member"; "" for none."""
    if not names:
        return ""
    return f"the {one if len(names) == 1 else many or one + 's'} {listing(names)}"


def role_change(users: list[dict], user_id: int, role_key: str) -> str:
    """What giving one of `users` ({user_id, name}) the community role `role_key` did:
    "Frank Fielding now has the role Community Member." ("none": no role)."""
    who = next((str(u["name"]) for u in users if u["user_id"] == user_id), "The user")
    role = next((r.name for r in BUILTIN_ROLES if r.key == role_key), "")
    return (f"{who} now has {the_named('role', [role])} in this community." if role
            else f"{who} no longer has a role in this community.")
