"""An offline team syncs in any order (docs/concurrency.md, "An offline team"): the check-in and
the outcome carry their own version, every tablet write keeps the device's time beside the
server's receipt time, a signature keeps what it covers, and a submission may be asked for
before the team's last write has arrived.

Written by hand in playhouse.migrations' form; Python-side defaults (utcnow) live on the models.
"""

from peewee import *
from inspect_app.db import UTCDateTimeField


def up(migrator, db):
    migrator.migrate(
        migrator.add_column("inspection", "check_in_version", IntegerField(default=0)),
        migrator.add_column("inspection", "checked_in_device_at", UTCDateTimeField(null=True)),
        migrator.add_column("inspection", "outcome_version", IntegerField(default=0)),
        migrator.add_column("inspection", "outcome_at", UTCDateTimeField(null=True)),
        migrator.add_column("inspection", "outcome_device_at", UTCDateTimeField(null=True)),
        migrator.add_column("inspection", "submitted_device_at", UTCDateTimeField(null=True)),
        migrator.add_column("inspection", "submit_requested_by", IntegerField(null=True)),
        migrator.add_column("inspection", "submit_requested_at", UTCDateTimeField(null=True)),
        migrator.add_column(
            "inspection", "submit_requested_device_at", UTCDateTimeField(null=True)
        ),
        migrator.add_column("item_result", "device_at", UTCDateTimeField(null=True)),
        migrator.add_column("evidence", "device_at", UTCDateTimeField(null=True)),
        migrator.add_column("signature", "device_at", UTCDateTimeField(null=True)),
        migrator.add_column("signature", "scope", CharField(max_length=8, default="record")),
        migrator.add_column("signature", "part_hash", CharField(max_length=64, null=True)),
    )
    db.execute_sql("UPDATE inspection SET check_in_version = 1 WHERE checked_in_at IS NOT NULL")
    db.execute_sql("UPDATE inspection SET outcome_version = 1 WHERE outcome IS NOT NULL")


def down(migrator, db):
    migrator.migrate(
        migrator.drop_column("signature", "part_hash"),
        migrator.drop_column("signature", "scope"),
        migrator.drop_column("signature", "device_at"),
        migrator.drop_column("evidence", "device_at"),
        migrator.drop_column("item_result", "device_at"),
        migrator.drop_column("inspection", "submit_requested_device_at"),
        migrator.drop_column("inspection", "submit_requested_at"),
        migrator.drop_column("inspection", "submit_requested_by"),
        migrator.drop_column("inspection", "submitted_device_at"),
        migrator.drop_column("inspection", "outcome_device_at"),
        migrator.drop_column("inspection", "outcome_at"),
        migrator.drop_column("inspection", "outcome_version"),
        migrator.drop_column("inspection", "checked_in_device_at"),
        migrator.drop_column("inspection", "check_in_version"),
    )
