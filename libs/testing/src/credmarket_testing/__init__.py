"""credmarket_testing."""
