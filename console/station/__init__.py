"""The clinic station: every room's beds on one screen, pushed from the shared PostgreSQL database."""
