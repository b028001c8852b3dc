"""RQ job functions: the entrypoint of work done after a change has committed.

Each job takes ids (its outbox row's id first), opens its own database connection, calls one
service and lets exceptions propagate so RQ records and retries them. Jobs are named, with
their policy, in the outbox's registry (`inspect_app.outbox.JOBS`); services record them there
by name and never import this package.
"""
