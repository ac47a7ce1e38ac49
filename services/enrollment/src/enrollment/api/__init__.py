"""The enrollment service's HTTP API."""
