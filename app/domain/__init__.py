"""Pure rules of Commons: no reflex, no SQL."""
