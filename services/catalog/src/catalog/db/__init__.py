"""Catalog's own tables, queries and migrations."""
