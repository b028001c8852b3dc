"""Audit checks: the whole-chain verification kept per head, shared by every app node, so the
public draw verification walks only the entries written since the last good check.

Written by hand in playhouse.migrations' form.
"""

from peewee import *
from inspect_app.db import UTCDateTimeField


def up(migrator, db):
    class AuditCheck(Model):
        head_seq = IntegerField(unique=True)
        head_hash = CharField(max_length=64)
        ok = BooleanField()
        checked = IntegerField()
        first_bad_seq = IntegerField(null=True)
        reason = TextField(default="")
        checked_at = UTCDateTimeField()

        class Meta:
            database = db
            table_name = "audit_check"

    db.create_tables([AuditCheck])


def down(migrator, db):
    migrator.migrate(migrator.drop_table("audit_check"))
