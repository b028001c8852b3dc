"""Sign-in throttle: failed sign-ins counted per account name and per address, shared by every
app node, with the lockout each count leads to.

Written by hand in playhouse.migrations' form.
"""

from peewee import *
from inspect_app.db import UTCDateTimeField


def up(migrator, db):
    class SignInThrottle(Model):
        kind = CharField(max_length=8)
        key = CharField(max_length=64)
        failures = IntegerField(default=0)
        window_start = UTCDateTimeField()
        locked_until = UTCDateTimeField(null=True)
        expires_at = UTCDateTimeField(index=True)

        class Meta:
            database = db
            table_name = "sign_in_throttle"
            indexes = ((("kind", "key"), True),)

    db.create_tables([SignInThrottle])


def down(migrator, db):
    migrator.migrate(migrator.drop_table("sign_in_throttle"))
