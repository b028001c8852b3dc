"""Licensing desks with their scope and members; every notice gets a recipient (a user, an
inspector, a desk or a group), a due time, its acknowledgement and its escalation; feedback is
routed to a desk.

Written by hand in playhouse.migrations' form; Python-side defaults (utcnow) live on the models.
"""

from peewee import *
from inspect_app.db import UTCDateTimeField


def _stub(db, name):
    class Meta:
        database = db
        table_name = name

    return type(name.title().replace("_", ""), (Model,), {"Meta": Meta})


def up(migrator, db):
    Department = _stub(db, "department")
    Industry = _stub(db, "industry")
    Street = _stub(db, "street")
    User = _stub(db, "user")
    Feedback = _stub(db, "feedback")
    Notification = _stub(db, "notification")

    class Desk(Model):
        code = CharField(max_length=16, unique=True)
        name = CharField(max_length=64)
        department = ForeignKeyField(Department)
        kind = CharField(max_length=12, default="LICENSING")
        is_default = BooleanField(default=False)
        head = ForeignKeyField(User, null=True, on_delete="SET NULL")
        created_at = UTCDateTimeField()

        class Meta:
            database = db
            table_name = "desk"

    class DeskScope(Model):
        desk = ForeignKeyField(Desk, on_delete="CASCADE")
        industry = ForeignKeyField(Industry, null=True)
        street = ForeignKeyField(Street, null=True)

        class Meta:
            database = db
            table_name = "desk_scope"

    class DeskMember(Model):
        desk = ForeignKeyField(Desk, on_delete="CASCADE")
        user = ForeignKeyField(User, on_delete="CASCADE")
        added_at = UTCDateTimeField()

        class Meta:
            database = db
            table_name = "desk_member"
            indexes = ((("desk", "user"), True),)

    db.create_tables([Desk, DeskScope, DeskMember])
    migrator.migrate(
        migrator.add_column(
            "feedback",
            "desk_id",
            ForeignKeyField(Desk, field=Desk.id, null=True, on_delete="SET NULL"),
        ),
        migrator.add_column(
            "notification", "desk_id", ForeignKeyField(Desk, field=Desk.id, null=True)
        ),
        migrator.add_column("notification", "role", CharField(max_length=12, null=True)),
        migrator.add_column(
            "notification",
            "department_id",
            ForeignKeyField(Department, field=Department.id, null=True),
        ),
        migrator.add_column(
            "notification",
            "feedback_id",
            ForeignKeyField(Feedback, field=Feedback.id, null=True, on_delete="CASCADE"),
        ),
        migrator.add_column("notification", "due_at", UTCDateTimeField(null=True, index=True)),
        migrator.add_column("notification", "acknowledged_at", UTCDateTimeField(null=True)),
        migrator.add_column("notification", "acknowledged_by", CharField(max_length=32, null=True)),
        migrator.add_column("notification", "settled_at", UTCDateTimeField(null=True)),
        migrator.add_column("notification", "escalated_at", UTCDateTimeField(null=True)),
        migrator.add_column(
            "notification",
            "escalation_of_id",
            ForeignKeyField(Notification, field=Notification.id, null=True),
        ),
    )


def down(migrator, db):
    migrator.migrate(
        *(
            migrator.drop_column("notification", column)
            for column in (
                "desk_id",
                "role",
                "department_id",
                "feedback_id",
                "due_at",
                "acknowledged_at",
                "acknowledged_by",
                "settled_at",
                "escalated_at",
                "escalation_of_id",
            )
        ),
        migrator.drop_column("feedback", "desk_id"),
        migrator.drop_table("desk_member"),
        migrator.drop_table("desk_scope"),
        migrator.drop_table("desk"),
    )
