"""Alembic environment: runs migrations on the engine handed over by console.store.migrate."""

from alembic import context

from console.store.models import Base

target_metadata = Base.metadata
engine = context.config.attributes.get("engine")

if engine is None:  # called from the alembic command line
    from sqlalchemy import create_engine

    engine = create_engine(context.config.get_main_option("sqlalchemy.url") or "")

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
