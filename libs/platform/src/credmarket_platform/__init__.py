"""Shared plumbing of the credmarket services: settings, database, messaging, HTTP."""
