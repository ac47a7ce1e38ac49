"""Secrets of the catalog: encryption at rest and the provider-token signing keys."""
