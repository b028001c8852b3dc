"""Use cases: each takes the acting user, plain values and `now`, and runs in one transaction."""
