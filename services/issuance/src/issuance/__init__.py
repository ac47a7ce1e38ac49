"""The issuance service."""
