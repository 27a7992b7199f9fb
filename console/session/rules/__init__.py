"""Named safety rules: each returns a verdict that the screen shows in words."""
