"""Escalation rules, the scan that applies them, and escalations by hand (C6)."""
