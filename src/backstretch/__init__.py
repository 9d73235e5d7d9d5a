"""backstretch: an open coach for gentle back and neck stretching (general wellness)."""

__version__ = "0.1.0"
__all__ = ["__version__"]
