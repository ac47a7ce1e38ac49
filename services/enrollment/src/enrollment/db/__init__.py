"""The enrollment service's tables, queries and migrations."""
