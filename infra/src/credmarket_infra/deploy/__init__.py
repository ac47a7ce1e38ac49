"""Deployment artefacts generated from the code they must match (topics, dashboard)."""
