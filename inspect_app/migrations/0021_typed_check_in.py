"""A check-in by the licence number typed on the tablet, where the QR code cannot be read
(issue 16): the inspection keeps how the inspector checked in ("qr" or "typed"), so a typed
one — weaker evidence than a signed code — shows as such on the record.

Written by hand in playhouse.migrations' form.
"""

from peewee import *


def up(migrator, db):
    migrator.migrate(
        migrator.add_column("inspection", "check_in_method", CharField(max_length=8, default="qr")),
    )


def down(migrator, db):
    migrator.migrate(migrator.drop_column("inspection", "check_in_method"))
