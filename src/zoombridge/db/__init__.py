"""Storage: the declarative base, engines, sessions, encryption at rest and migrations.

Each domain keeps its tables in its own `models.py`; `zoombridge.db.registry` imports them all
so Alembic and the tests see the complete schema.
"""
