"""Outbox, message building, SMTP delivery and the built-in dev mailbox."""
