"""credmarket_infra."""
