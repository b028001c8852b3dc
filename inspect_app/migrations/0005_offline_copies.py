"""Offline copies: each inspection as a tablet downloads it, rendered once per state.

Written by hand in playhouse.migrations' form; Python-side defaults (utcnow) live on the models.
"""

from peewee import *
from inspect_app.db import UTCDateTimeField


def up(migrator, db):
    class Inspection(Model):
        class Meta:
            database = db
            table_name = "inspection"

    class OfflineCopy(Model):
        inspection = ForeignKeyField(Inspection, primary_key=True, on_delete="CASCADE")
        etag = CharField(max_length=40)
        body = TextField()
        body_gzip = BlobField()
        rendered_at = UTCDateTimeField()

        class Meta:
            database = db
            table_name = "offline_copy"

    db.create_tables([OfflineCopy])


def down(migrator, db):
    migrator.migrate(migrator.drop_table("offline_copy"))
