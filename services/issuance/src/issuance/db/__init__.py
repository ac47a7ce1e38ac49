"""The issuance service's tables, queries and migrations."""
