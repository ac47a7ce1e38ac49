"""credmarket_platform."""
