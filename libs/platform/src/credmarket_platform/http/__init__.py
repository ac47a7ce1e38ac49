"""HTTP skeleton of every service: problems, idempotency, health, app factory."""
