"""Real-time video detection and tracking."""

__version__ = "0.1.0"
