"""Persistence: SQLAlchemy models behind repositories, Alembic migrations, the durable spool."""
