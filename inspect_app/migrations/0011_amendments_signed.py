"""Amendments signed again: an amendment is PENDING until the team signs its content, the
original's signatures are kept, follow-ups an amendment withdraws or adds are kept apart.

Written by hand in playhouse.migrations' form; Python-side defaults (utcnow) live on the models.
"""

from peewee import *
from inspect_app.db import JSONField
from inspect_app.db import UTCDateTimeField


def up(migrator, db):
    class Amendment(Model):
        class Meta:
            database = db
            table_name = "amendment"

    class Inspector(Model):
        class Meta:
            database = db
            table_name = "inspector"

    class AmendmentSignature(Model):
        amendment = ForeignKeyField(Amendment, on_delete="CASCADE")
        inspector = ForeignKeyField(Inspector)
        content_hash = CharField(max_length=64)
        signed_at = UTCDateTimeField()

        class Meta:
            database = db
            table_name = "amendment_signature"
            indexes = ((("amendment", "inspector"), True),)

    migrator.migrate(
        migrator.add_column("amendment", "status", CharField(max_length=10, default="IN_FORCE")),
        migrator.add_column("amendment", "content", JSONField(null=True)),
        migrator.add_column("amendment", "content_hash", CharField(max_length=64, null=True)),
        migrator.add_column("amendment", "original_hash", CharField(max_length=64, null=True)),
        migrator.add_column("amendment", "original_signatures", JSONField(default=list)),
        migrator.add_column("amendment", "in_force_at", UTCDateTimeField(null=True)),
        migrator.add_index("amendment", ("status",)),
    )
    db.create_tables([AmendmentSignature])
    migrator.migrate(
        migrator.add_column("feedback", "generation", IntegerField(default=0)),
        migrator.add_column("feedback", "withdrawn_at", UTCDateTimeField(null=True)),
        migrator.drop_index("feedback", "feedback_inspection_id_kind"),
        migrator.add_index("feedback", ("inspection_id", "kind", "generation"), unique=True),
    )


def down(migrator, db):
    migrator.migrate(
        migrator.drop_index("feedback", "feedback_inspection_id_kind_generation"),
        migrator.add_index("feedback", ("inspection_id", "kind"), unique=True),
        migrator.drop_column("feedback", "withdrawn_at"),
        migrator.drop_column("feedback", "generation"),
    )
    migrator.migrate(migrator.drop_table("amendment_signature"))
    migrator.migrate(
        migrator.drop_index("amendment", "amendment_status"),
        migrator.drop_column("amendment", "in_force_at"),
        migrator.drop_column("amendment", "original_signatures"),
        migrator.drop_column("amendment", "original_hash"),
        migrator.drop_column("amendment", "content_hash"),
        migrator.drop_column("amendment", "content"),
        migrator.drop_column("amendment", "status"),
    )
