"""Plain HTTP routes mounted beside Reflex (sign-in, sign-out; later the API and CSV)."""
