"""Configuration from the environment, with defaults that run the demo on one machine."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

DEFAULT_MAX_BODY_BYTES = 8 * 1024 * 1024


def instance_dir() -> Path:
    """Where the SQLite file, signing keys and written maps live (LIANJIAN_HOME, else ./instance)."""
    return Path(os.environ.get("LIANJIAN_HOME", "instance")).resolve()


def from_environment() -> dict[str, Any]:
    home = instance_dir()
    return {
        "LIANJIAN_HOME": str(home),
        "DATABASE_URL": os.environ.get("DATABASE_URL", f"sqlite:///{home / 'lianjian.db'}"),
        "REDIS_URL": os.environ.get("REDIS_URL") or None,
        "KEYS_DIR": os.environ.get("LIANJIAN_KEYS_DIR", str(home / "keys")),
        "MAX_CONTENT_LENGTH": int(
            os.environ.get("LIANJIAN_MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES)
        ),
        "TOKEN_TTL_HOURS": int(os.environ.get("LIANJIAN_TOKEN_TTL_HOURS", 12)),
        "DEVICE_TOKEN_TTL_DAYS": int(os.environ.get("LIANJIAN_DEVICE_TOKEN_TTL_DAYS", 30)),
        "TASK_DEFAULTS": {
            "workload_cap": int(os.environ.get("LIANJIAN_WORKLOAD_CAP", 10)),
        },
        "API_TITLE": "一业一证 综合监管平台 API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api",
        "OPENAPI_JSON_PATH": "openapi.json",
        "OPENAPI_SWAGGER_UI_PATH": "/docs",
        "OPENAPI_SWAGGER_UI_URL": os.environ.get(
            "LIANJIAN_SWAGGER_UI_URL", "https://cdn.jsdelivr.net/npm/swagger-ui-dist/"
        ),
        "API_SPEC_OPTIONS": {
            "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
            "security": [{"bearer": []}],
        },
        "JSON_AS_ASCII": False,
    }
