"""Printable and exported reports: the escort sheet handed over at discharge."""
