"""The session panel, one module per page in workflow order (see panel.py)."""
