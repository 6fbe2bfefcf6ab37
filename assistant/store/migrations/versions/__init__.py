"""One module per migration, oldest first; Alembic orders them by ``down_revision``."""
