"""credmarket_events."""
