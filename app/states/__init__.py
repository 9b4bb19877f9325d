"""Thin Reflex states: check the session, call one service, show the result."""
