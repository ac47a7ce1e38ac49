"""The catalog's HTTP API: one router per resource."""
