"""Market entities (市场主体): list with filters, read, create, update with If-Match."""

from __future__ import annotations

import marshmallow as ma
from flask.views import MethodView

from inspect_app.access import REGISTRY_READERS, REGISTRY_WRITERS
from inspect_app.api.base import Blueprint, QueryPage
from inspect_app.api.fields import CreditCode, Strict, Text, credit_class, latitude, longitude
from inspect_app.auth import current_actor, require
from inspect_app.clock import utcnow
from inspect_app.services import entities as service

blp = Blueprint(
    "entities", __name__, url_prefix="/api/v1/entities", description="市场主体 Market entities"
)


class EntitySchema(ma.Schema):
    credit_code = ma.fields.String()
    name = ma.fields.String()
    address = ma.fields.String()
    street = ma.fields.String(attribute="street.code")
    lat = ma.fields.Float()
    lon = ma.fields.Float()
    credit_class = ma.fields.String()
    version = ma.fields.Integer()


class EntityCreateSchema(Strict):
    credit_code = CreditCode(required=True)
    name = Text(max_length=128, required=True)
    address = Text(max_length=256, required=True)
    street = Text(max_length=8, required=True)
    lat = latitude(required=True)
    lon = longitude(required=True)
    credit_class = credit_class(load_default="B")


class EntityUpdateSchema(Strict):
    name = Text(max_length=128)
    address = Text(max_length=256)
    street = Text(max_length=8)
    lat = latitude()
    lon = longitude()
    credit_class = credit_class()


class EntityFilterSchema(Strict):
    street = ma.fields.String(metadata={"description": "街镇 code, e.g. BS01"})
    credit_class = credit_class()
    industry = ma.fields.String(metadata={"description": "holds a licence of this industry"})
    q = Text(max_length=64, metadata={"description": "name contains, or credit code starts with"})


@blp.route("")
class Entities(MethodView):
    @require(*REGISTRY_READERS)
    @blp.etag
    @blp.arguments(EntityFilterSchema, location="query")
    @blp.response(200, EntitySchema(many=True))
    @blp.paginate(QueryPage)
    def get(self, args):
        """List entities, filtered and paged in the database."""
        return service.entity_list(args)

    @require(*REGISTRY_WRITERS)
    @blp.etag
    @blp.arguments(EntityCreateSchema)
    @blp.response(201, EntitySchema)
    def post(self, data):
        """Register an entity (licensing staff)."""
        return service.create_entity(current_actor(), data, utcnow())


@blp.route("/<string:credit_code>")
class EntityById(MethodView):
    @require(*REGISTRY_READERS)
    @blp.etag
    @blp.response(200, EntitySchema)
    def get(self, credit_code):
        """One entity; its ETag guards updates."""
        return service.get_entity(credit_code)

    @require(*REGISTRY_WRITERS)
    @blp.etag
    @blp.arguments(EntityUpdateSchema)
    @blp.response(200, EntitySchema)
    def patch(self, changes, credit_code):
        """Change an entity; If-Match must carry the ETag you read (412 when stale, 428 when absent)."""
        actor = current_actor()
        entity = service.get_entity(credit_code)
        blp.check_etag(entity, EntitySchema)
        return service.update_entity(actor, credit_code, changes, entity.version, utcnow())
