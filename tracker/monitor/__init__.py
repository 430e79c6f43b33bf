"""``tracker monitor``: many cameras at once, one worker per camera, their counting events in one
SQLite database (``event_store``), read back by ``tracker events``."""
