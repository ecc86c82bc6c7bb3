"""Wenming (文明实践云): a platform for New-Era Civilization Practice centers."""

__version__ = "0.1.0"
