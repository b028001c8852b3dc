"""HTTP API: one module per resource (schemas + Blueprint + views)."""
