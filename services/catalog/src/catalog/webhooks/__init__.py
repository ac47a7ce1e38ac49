"""Webhooks: providers hear about their learners through signed, retried HTTP
deliveries (ADR 0023)."""
