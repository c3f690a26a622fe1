"""Maintenance requests and the public request links (C3)."""
