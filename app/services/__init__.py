"""Use cases as verbs: take a database session and primitives, return plain rows."""
