"""People and roster (两库 kept in the platform): a version on users and inspectors for
optimistic concurrency, the flag of a password an admin reset, and recusals withdrawn rather than
deleted (the live ones unique per inspector and entity, the withdrawn ones kept as history).

Written by hand in playhouse.migrations' form.
"""

from peewee import *
from inspect_app.db import UTCDateTimeField


def up(migrator, db):
    migrator.migrate(
        migrator.add_column("user", "version", IntegerField(default=1)),
        migrator.add_column("user", "must_change_password", BooleanField(default=False)),
        migrator.add_column("inspector", "version", IntegerField(default=1)),
        migrator.add_column("recusal", "withdrawn_at", UTCDateTimeField(null=True)),
        migrator.add_column("recusal", "withdrawn_reason", CharField(max_length=256, null=True)),
        migrator.add_column("recusal", "withdrawn_by", CharField(max_length=32, null=True)),
        migrator.drop_index("recusal", "recusal_inspector_id_entity_id"),
    )
    db.execute_sql(
        "CREATE UNIQUE INDEX recusal_live ON recusal (inspector_id, entity_id) "
        "WHERE withdrawn_at IS NULL"
    )


def down(migrator, db):
    db.execute_sql("DROP INDEX recusal_live")
    migrator.migrate(
        migrator.drop_column("user", "version"),
        migrator.drop_column("user", "must_change_password"),
        migrator.drop_column("inspector", "version"),
        migrator.drop_column("recusal", "withdrawn_at"),
        migrator.drop_column("recusal", "withdrawn_reason"),
        migrator.drop_column("recusal", "withdrawn_by"),
        migrator.add_index("recusal", ("inspector_id", "entity_id"), True),
    )
