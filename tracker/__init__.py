"""tracker: what your AI usage costs, what it is worth, and where it could be cheaper."""

__version__ = "0.1.0"
