"""Catalog's search read model: an engine index per replica, fed by catalog's events."""
