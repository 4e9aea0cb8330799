"""Alembic migrations of the registry (see registry/migrate.py and docs/deploy.md)."""
