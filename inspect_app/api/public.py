"""Public endpoints (no login): licence verification by QR payload, the signing keys."""

from __future__ import annotations

from pathlib import Path

import marshmallow as ma
from flask import current_app
from flask.views import MethodView

from inspect_app.api.base import Blueprint
from inspect_app.clock import local, utcnow
from inspect_app.domain import signing_keys
from inspect_app.domain.licence_qr import MAX_TEXT_CHARS
from inspect_app.services import licence_codes

blp = Blueprint(
    "public", __name__, url_prefix="/api/v1/public", description="公开 Public (no login)"
)


class VerifyArgs(ma.Schema):
    payload = ma.fields.String(
        required=True, validate=ma.validate.Length(min=1, max=MAX_TEXT_CHARS)
    )


class VerifyAnswerSchema(ma.Schema):
    status = ma.fields.String(
        metadata={
            "description": "genuine, tampered, malformed, unknown, cancelled, revoked, suspended, expired or superseded"
        }
    )
    message = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.String())
    licence = ma.fields.Dict(
        allow_none=True,
        metadata={"description": "what the code claims (trust it only when genuine)"},
    )


class SigningKeysSchema(ma.Schema):
    current = ma.fields.String(metadata={"description": "id of the key signing new codes"})
    keys = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.String(),
        metadata={"description": "PEM by key id, retired keys included"},
    )


def keys_dir() -> Path:
    return Path(current_app.config["KEYS_DIR"])


@blp.route("/licences/verify")
class VerifyLicence(MethodView):
    @blp.arguments(VerifyArgs, location="query")
    @blp.response(200, VerifyAnswerSchema)
    @blp.doc(security=[])
    def get(self, args):
        """Is this scanned licence QR code genuine and current?"""
        return licence_codes.answer_scan(args["payload"], keys_dir(), local(utcnow()).date())


@blp.route("/signing-keys")
class SigningKeys(MethodView):
    @blp.response(200, SigningKeysSchema)
    @blp.doc(security=[])
    def get(self):
        """The Ed25519 public keys (PEM) by key id: verify a licence QR code offline with these."""
        current = signing_keys.load_public_key_pem(keys_dir())
        keys = signing_keys.load_public_keys(keys_dir())
        return {
            "current": signing_keys.key_id(current),
            "keys": {k: pem.decode() for k, pem in keys.items()},
        }
