"""The sealed audit chain (issue 17): an entry is written in its change's transaction with a
write-time authenticator (uid, mac) and no place in the chain yet; the sealer gives it its seq,
prev_hash and hash after the change commits (docs/audit-chain.md). Entries written before stay
as they are (no uid, no mac: the chain alone protects them).

A client operation's response may be null for a moment: a tablet write commits its change and
operation first and keeps the answer's body just after (services/idempotency.py).

Written by hand in playhouse.migrations' form.
"""

from peewee import *


def up(migrator, db):
    migrator.migrate(
        migrator.drop_not_null("audit_entry", "seq"),
        migrator.drop_not_null("audit_entry", "prev_hash"),
        migrator.drop_not_null("audit_entry", "hash"),
        migrator.add_column("audit_entry", "uid", CharField(max_length=32, null=True)),
        migrator.add_column("audit_entry", "mac", CharField(max_length=96, null=True)),
        migrator.add_index("audit_entry", ("uid",), unique=True),
        migrator.drop_not_null("client_operation", "response"),
    )


def down(migrator, db):
    migrator.migrate(
        migrator.drop_index("audit_entry", "audit_entry_uid"),
        migrator.drop_column("audit_entry", "uid"),
        migrator.drop_column("audit_entry", "mac"),
    )
