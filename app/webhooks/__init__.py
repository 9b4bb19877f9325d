"""Posting webhooks: the sender and the loop that runs it in one worker."""
