"""Vigil application core: domain, store and services (no widgets)."""

__version__ = "0.1.0"
