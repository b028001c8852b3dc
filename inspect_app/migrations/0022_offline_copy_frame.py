"""An offline copy keeps its frame (issue 17): the parts that follow the entity, its licences and
its history rather than the inspection (street, licence and permits, last results), as JSON, with
the state of those they show. A tablet write whose entity and licences have not moved since the
last copy renders only the rest.

Written by hand in playhouse.migrations' form.
"""

from peewee import *


def up(migrator, db):
    migrator.migrate(
        migrator.add_column("offline_copy", "frame_tag", CharField(max_length=40, null=True)),
        migrator.add_column("offline_copy", "frame", TextField(null=True)),
    )


def down(migrator, db):
    migrator.migrate(
        migrator.drop_column("offline_copy", "frame"),
        migrator.drop_column("offline_copy", "frame_tag"),
    )
