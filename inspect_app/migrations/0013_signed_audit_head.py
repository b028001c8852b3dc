"""Signed audit head: the head's signature (over seq, hash, at) with the audit key kept outside
the database, and the signed head carried by every draw record and disclosure.

Written by hand in playhouse.migrations' form.
"""

from peewee import *
from inspect_app.db import JSONField


def up(migrator, db):
    migrator.migrate(
        migrator.add_column("audit_head", "at", CharField(max_length=32, null=True)),
        migrator.add_column("audit_head", "signature", CharField(max_length=128, null=True)),
        migrator.add_column("audit_head", "key_id", CharField(max_length=16, null=True)),
        migrator.add_column("draw", "committed_head", JSONField(null=True)),
        migrator.add_column("draw", "drawn_head", JSONField(null=True)),
        migrator.add_column("disclosure", "audit_head", JSONField(null=True)),
    )


def down(migrator, db):
    migrator.migrate(
        migrator.drop_column("audit_head", "at"),
        migrator.drop_column("audit_head", "signature"),
        migrator.drop_column("audit_head", "key_id"),
        migrator.drop_column("draw", "committed_head"),
        migrator.drop_column("draw", "drawn_head"),
        migrator.drop_column("disclosure", "audit_head"),
    )
