"""Routers per audience."""
