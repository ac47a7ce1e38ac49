"""Logs and HTTP metrics shared by every service."""
