"""Change signals that wake other browsers; the database stays the source of truth."""
