"""Outbound links to other clinic systems (each on its own thread, never blocking the bed)."""
