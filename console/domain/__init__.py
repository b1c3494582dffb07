"""Plain-Python clinical domain: no Qt, no SQLAlchemy."""
