"""Catalogue rules: the district's rule documents (feedback rules, risk grading) in the database.

Written by hand in playhouse.migrations' form; Python-side defaults (utcnow) live on the models.
"""

from peewee import *
from inspect_app.db import JSONField
from inspect_app.db import UTCDateTimeField


def up(migrator, db):
    class CatalogueRule(Model):
        name = CharField(max_length=32, unique=True)
        document = JSONField()
        digest = CharField(max_length=64)
        source = CharField(max_length=255)
        loaded_at = UTCDateTimeField()

        class Meta:
            database = db
            table_name = "catalogue_rule"

    db.create_tables([CatalogueRule])


def down(migrator, db):
    migrator.migrate(migrator.drop_table("catalogue_rule"))
