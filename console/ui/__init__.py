"""Qt widgets: show state, send user intents. No SQL and no bytes here."""
