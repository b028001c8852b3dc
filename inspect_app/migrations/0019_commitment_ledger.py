"""The commitment ledger: a frozen task's public void (reason, who, when, the signed audit head)
and the once-only overdue flag of a task whose seed round passed without a draw.

Written by hand in playhouse.migrations' form.
"""

from peewee import *
from inspect_app.db import JSONField, UTCDateTimeField


def up(migrator, db):
    class SpotCheckTask(Model):
        class Meta:
            database = db
            table_name = "spot_check_task"

    class TaskVoid(Model):
        task = ForeignKeyField(SpotCheckTask, unique=True, on_delete="CASCADE")
        reason = TextField()
        voided_by = CharField(max_length=32)
        voided_at = UTCDateTimeField()
        audit_head = JSONField(null=True)

        class Meta:
            database = db
            table_name = "task_void"

    class OverdueDraw(Model):
        task = ForeignKeyField(SpotCheckTask, unique=True, on_delete="CASCADE")
        seed_due_at = UTCDateTimeField()
        flagged_at = UTCDateTimeField()

        class Meta:
            database = db
            table_name = "overdue_draw"

    db.create_tables([TaskVoid, OverdueDraw])


def down(migrator, db):
    migrator.migrate(migrator.drop_table("overdue_draw"), migrator.drop_table("task_void"))
