"""Reliable messaging: the outbox relay and the consumer runner."""
