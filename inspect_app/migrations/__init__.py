"""Schema migrations, applied in order by inspect_app.migrate (playhouse.migrations)."""
