"""Partner consent: a partner department takes part in a joint task only once one of its planners
accepts (docs/domain.md); each department's answer, one row per task and department.

Written by hand in playhouse.migrations' form; Python-side defaults (utcnow) live on the models.
"""

from peewee import *
from inspect_app.db import UTCDateTimeField


def up(migrator, db):
    class Department(Model):
        class Meta:
            database = db
            table_name = "department"

    class SpotCheckTask(Model):
        class Meta:
            database = db
            table_name = "spot_check_task"

    class TaskPartnerAnswer(Model):
        task = ForeignKeyField(SpotCheckTask, on_delete="CASCADE")
        department = ForeignKeyField(Department)
        answer = CharField(max_length=8)
        answered_by = CharField(max_length=32)
        answered_at = UTCDateTimeField()

        class Meta:
            database = db
            table_name = "task_partner_answer"
            indexes = ((("task", "department"), True),)

    db.create_tables([TaskPartnerAnswer])


def down(migrator, db):
    migrator.migrate(migrator.drop_table("task_partner_answer"))
