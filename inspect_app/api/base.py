"""What every API module shares: the Api with the bilingual error shape, the database pager."""

from __future__ import annotations

import copy
import functools
import logging
from typing import ClassVar

import flask_smorest
import flask_smorest.etag
import flask_smorest.utils
import marshmallow as ma
import peewee
from flask import current_app, jsonify, request
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter

from inspect_app.api.fields import MAX_INT
from inspect_app.domain.lifecycle import IllegalTransition
from inspect_app.errors import CATALOGUE, AppError, kind_for_http
from inspect_app.messages import bilingual_errors
from inspect_app.services.listing import Listing

log = logging.getLogger("lianjian.api")


class Id(IntegerConverter):
    """`<int:…>` in our routes: a non-negative integer an id column can hold (beyond it there is no
    such record: 404, and the database is never asked); the OpenAPI document states the bounds."""

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_INT, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


class Api(flask_smorest.Api):
    """flask-smorest's Api with every error in one shape, messages in Chinese and English, and
    integer path parameters bounded (Id)."""

    def init_app(self, app, *, spec_kwargs=None):
        app.url_map.converters["int"] = Id
        super().init_app(app, spec_kwargs=spec_kwargs)

    def _register_error_handlers(self):
        super()._register_error_handlers()
        app = self._app
        app.register_error_handler(AppError, _app_error)
        app.register_error_handler(IllegalTransition, _illegal_transition)
        app.register_error_handler(peewee.IntegrityError, _integrity_error)

    def handle_http_exception(self, error: HTTPException):
        kind = kind_for_http(error.code or 500)
        data = getattr(error, "data", None) or {}
        errors = data.get("errors") or data.get("messages")
        if error.code == 400 and errors and "json" in errors:
            kind = CATALOGUE["MALFORMED_JSON"]
        if (error.code or 500) >= 500:
            original = getattr(error, "original_exception", None)
            log.error("internal error", exc_info=original or error)
            errors = None
        app_error = AppError(kind.code, errors=bilingual_errors(errors) if errors else {})
        response = jsonify(app_error.payload())
        response.status_code = kind.http if kind.http == error.code else (error.code or 500)
        for name, value in (data.get("headers") or {}).items():
            response.headers[name] = value
        if error.code == 405 and hasattr(error, "valid_methods") and error.valid_methods:
            response.headers["Allow"] = ", ".join(error.valid_methods)
        return response


def _app_error(error: AppError):
    response = jsonify(error.payload())
    response.status_code = error.status
    response.headers.extend(error.headers)
    return response


def _illegal_transition(error: IllegalTransition):
    message = error.message
    return _app_error(AppError("ILLEGAL_TRANSITION", zh=message["zh"], en=message["en"]))


def _integrity_error(error: peewee.IntegrityError):
    log.info("integrity error: %s", error)
    return _app_error(AppError("DUPLICATE"))


class QueryPage(flask_smorest.Page):
    """Pages a peewee query (or a Listing) in the database: COUNT(*) and LIMIT/OFFSET, never
    len() or slicing."""

    @property
    def item_count(self) -> int:
        if isinstance(self.collection, Listing):
            return self.collection.count()
        return self.collection.order_by().count()

    @property
    def items(self) -> list:
        params = self.page_params
        if isinstance(self.collection, Listing):
            return self.collection.page(params.page, params.page_size)
        return list(self.collection.paginate(params.page, params.page_size))


IF_MATCH = {
    "in": "header",
    "name": "If-Match",
    "required": True,
    "schema": {"type": "string"},
    "description": "the ETag of the record as you read it",
}


# Far past the last page of any list of ours, and small enough that its offset stays an integer
# both databases read (SQLite's driver overflows past 64 bits; PostgreSQL's OFFSET is a bigint).
MAX_PAGE = 1_000_000


def _page_bounds(default_page_size: int, max_page_size: int) -> type[ma.Schema]:
    class PageBoundsSchema(ma.Schema):
        """page and page_size, each within bounds (flask-smorest bounds page_size only)."""

        class Meta:
            unknown = ma.EXCLUDE

        page = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1, max=MAX_PAGE))
        page_size = ma.fields.Integer(
            load_default=default_page_size,
            validate=ma.validate.Range(min=1, max=max_page_size),
        )

    return PageBoundsSchema


class Blueprint(flask_smorest.Blueprint):
    """Pagination defaults and bounds for the whole API, and If-Match on the POSTs that update a
    record."""

    DEFAULT_PAGINATION_PARAMETERS: ClassVar[dict[str, int]] = {
        "page": 1,
        "page_size": 20,
        "max_page_size": 200,
    }

    def arguments(self, schema, *args, **kwargs):
        """flask-smorest's, given a schema instance made here once: given a class, webargs makes
        one for every request (marshmallow copies every field to do it)."""
        instance = flask_smorest.utils.resolve_schema_instance(schema)
        return super().arguments(instance, *args, **kwargs)

    def paginate(self, pager=None, *, page=None, page_size=None, max_page_size=None):
        """flask-smorest's paginate, with the page number bounded too (MAX_PAGE): the bounds are
        checked first (a 422 naming the parameter) and are what the OpenAPI document states."""
        defaults = self.DEFAULT_PAGINATION_PARAMETERS
        page_size = page_size or defaults["page_size"]
        max_page_size = max_page_size or defaults["max_page_size"]
        bounds = _page_bounds(page_size, max_page_size)
        checked = bounds()
        paginated = super().paginate(
            pager, page=page, page_size=page_size, max_page_size=max_page_size
        )

        def decorator(func):
            inner = paginated(func)

            @functools.wraps(inner)
            def bounded(*args, **kwargs):
                self.PAGINATION_ARGUMENTS_PARSER.parse(checked, request, location="query")
                return inner(*args, **kwargs)

            bounded._apidoc = copy.deepcopy(inner._apidoc)
            bounded._apidoc["pagination"]["parameters"]["schema"] = bounds
            return bounded

        return decorator

    def if_match_documented(self, view):
        """Say in the OpenAPI document that this POST needs If-Match and may answer 412/428."""
        view = self.alt_response(412, description="STALE_VERSION: changed since you read it")(view)
        view = self.alt_response(428, description="PRECONDITION_REQUIRED: send If-Match")(view)
        return self.doc(parameters=[IF_MATCH])(view)

    def check_if_match(self, etag_data, etag_schema) -> None:
        """check_etag for a POST that changes an existing record (a licence event): the client
        states the ETag it read; none is 428 PRECONDITION_REQUIRED, another is 412 STALE_VERSION."""
        if not request.if_match:
            raise AppError("PRECONDITION_REQUIRED")
        if not self._if_match_holds(etag_data, etag_schema):
            raise AppError("STALE_VERSION")

    def check_etag(self, etag_data, etag_schema=None) -> None:
        """flask-smorest's check, also accepting the ETag as a compressed answer carried it."""
        if not self._is_etag_enabled():
            return
        flask_smorest.etag._get_etag_ctx()["etag_checked"] = True
        if not self._if_match_holds(etag_data, etag_schema):
            raise AppError("STALE_VERSION")

    def _if_match_holds(self, etag_data, etag_schema) -> bool:
        if etag_schema is not None:
            etag_data = flask_smorest.utils.resolve_schema_instance(etag_schema).dump(etag_data)
        # flask-smorest's own ETag of the GET (a private helper, the one its check_etag uses;
        # the If-Match tests fail at once if a new version spells it differently).
        tag = self._generate_etag(etag_data)
        # flask-compress marks the ETag of a compressed answer "<tag>:<algorithm>", and that is
        # the spelling a client that accepted compression holds.
        algorithms = current_app.config.get("COMPRESS_ALGORITHM") or []
        if isinstance(algorithms, str):
            algorithms = [a.strip() for a in algorithms.split(",")]
        spellings = [tag, *(f"{tag}:{algorithm}" for algorithm in algorithms)]
        return any(spelling in request.if_match for spelling in spellings)
