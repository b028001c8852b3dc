"""Registry domain in plain Python: no Flask, no ORM."""
