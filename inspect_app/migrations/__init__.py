"""Schema migrations, applied in order by inspect_app.schema (playhouse.migrations)."""
