"""Sub-commands of the ``tracker`` CLI (see ``tracker.cli``)."""
