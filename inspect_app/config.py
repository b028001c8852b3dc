"""Configuration from the environment, with defaults that run the demo on one machine."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

DEFAULT_MAX_BODY_BYTES = 8 * 1024 * 1024
# Where `lianjian demo --serve` (and a console command, with no request) says the portal is.
DEFAULT_PUBLIC_URL = "http://localhost:8000"
SWAGGER_UI_VERSION = "5.35.0"
SWAGGER_UI_URL = f"/static/swagger-ui-{SWAGGER_UI_VERSION}/"
# Found by path, so reading the setting imports nothing of the seeds package.
PACKAGED_CATALOGUE = Path(__file__).resolve().parents[1] / "seeds" / "catalogue"


APP_FOLDER = "lianjian"


def instance_dir() -> Path:
    """Where the SQLite file, signing keys and written files live: LIANJIAN_HOME, else the user's
    data folder (the same from whatever folder a command runs in)."""
    if os.environ.get("LIANJIAN_HOME"):
        return Path(os.environ["LIANJIAN_HOME"]).expanduser().resolve()
    return user_data_dir() / APP_FOLDER


def user_data_dir() -> Path:
    """The user's data folder, as platformdirs has it: %LOCALAPPDATA% on Windows,
    ~/Library/Application Support on macOS, else $XDG_DATA_HOME or ~/.local/share."""
    if sys.platform == "win32" and os.environ.get("LOCALAPPDATA"):
        return Path(os.environ["LOCALAPPDATA"])
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support"
    xdg = os.environ.get("XDG_DATA_HOME", "")
    # The XDG spec ignores a relative path.
    return Path(xdg) if os.path.isabs(xdg) else Path.home() / ".local" / "share"


def catalogue_dir() -> Path:
    """The catalogue folder `lianjian seed` loads (LIANJIAN_CATALOGUE_DIR, else the packaged one)."""
    return Path(os.environ.get("LIANJIAN_CATALOGUE_DIR", PACKAGED_CATALOGUE)).resolve()


def job_settings() -> dict[str, Any]:
    """Job timing and outbox limits: read by the app and by workers, which have no Flask app."""
    return {
        "REMINDER_DAYS_BEFORE": int(os.environ.get("LIANJIAN_REMINDER_DAYS_BEFORE", 3)),
        "REMINDER_HOUR_LOCAL": int(os.environ.get("LIANJIAN_REMINDER_HOUR_LOCAL", 9)),
        "REINSPECTION_DAYS": int(os.environ.get("LIANJIAN_REINSPECTION_DAYS", 10)),
        "OVERDUE_CRON": os.environ.get("LIANJIAN_OVERDUE_CRON", "*/15 * * * *"),
        "FOLLOWUP_CRON": os.environ.get("LIANJIAN_FOLLOWUP_CRON", "5 * * * *"),
        "AUDIT_CHECK_CRON": os.environ.get("LIANJIAN_AUDIT_CHECK_CRON", "35 * * * *"),
        # chains what a writer's own seal left behind (docs/audit-chain.md: the unsealed tail)
        "AUDIT_SEAL_CRON": os.environ.get("LIANJIAN_AUDIT_SEAL_CRON", "* * * * *"),
        # Daily, 00:20 in the workers' TZ (cron fields are local): with TZ=Asia/Shanghai just
        # after the grading day turns and every grade goes stale.
        "REGRADE_CRON": os.environ.get("LIANJIAN_REGRADE_CRON", "20 0 * * *"),
        "JOB_QUEUE": os.environ.get("LIANJIAN_JOB_QUEUE", "default"),
        "OUTBOX_BATCH": int(os.environ.get("LIANJIAN_OUTBOX_BATCH", 100)),
        "OUTBOX_MAX_REQUEUES": int(os.environ.get("LIANJIAN_OUTBOX_MAX_REQUEUES", 3)),
        "OUTBOX_LOST_CHECK_SECONDS": int(os.environ.get("LIANJIAN_OUTBOX_LOST_CHECK_SECONDS", 30)),
        # a notice that asks only to be acknowledged escalates when unacknowledged this long
        "NOTICE_ACK_HOURS": int(os.environ.get("LIANJIAN_NOTICE_ACK_HOURS", 48)),
    }


def drand_chains() -> str:
    """Where a district pins drand chains beside quicknet: a folder of drand /info JSON files,
    or one such file (docs/beacons.md)."""
    return os.environ.get("LIANJIAN_DRAND_CHAINS", str(instance_dir() / "drand-chains"))


def nist_certificates() -> str:
    """Where a district pins NIST Randomness Beacon signing certificates (PEM files)."""
    return os.environ.get("LIANJIAN_NIST_CERTIFICATES", str(instance_dir() / "nist-certificates"))


def task_defaults() -> dict[str, int]:
    """Defaults of a spot-check task a planner leaves out (services read these, not Flask)."""
    return {"workload_cap": int(os.environ.get("LIANJIAN_WORKLOAD_CAP", 10))}


DEFAULT_DRAW_MIN_DELAY_SECONDS = 600


def draw_min_delay_seconds() -> int:
    """The least time between a task's freeze and its seed's beacon round (docs/domain.md,
    "Surprise and proof together"); LIANJIAN_DRAW_MIN_DELAY_SECONDS, default 600 s."""
    return int(os.environ.get("LIANJIAN_DRAW_MIN_DELAY_SECONDS", DEFAULT_DRAW_MIN_DELAY_SECONDS))


SIGN_IN_LIMITS = {
    "SIGN_IN_ACCOUNT_LIMIT": 5,
    "SIGN_IN_ACCOUNT_WINDOW_MINUTES": 15,
    "SIGN_IN_ACCOUNT_LOCKOUT_MINUTES": 15,
    "SIGN_IN_ADDRESS_LIMIT": 20,
    "SIGN_IN_ADDRESS_WINDOW_MINUTES": 15,
    "SIGN_IN_ADDRESS_LOCKOUT_MINUTES": 15,
}


def sign_in_limits() -> dict[str, int]:
    """Failed sign-ins allowed per account name and per address within a window, and how long
    the lockout lasts (LIANJIAN_SIGN_IN_…); counted in the database, shared by every node."""
    return {
        name: int(os.environ.get(f"LIANJIAN_{name}", default))
        for name, default in SIGN_IN_LIMITS.items()
    }


def from_environment() -> dict[str, Any]:
    home = instance_dir()
    return {
        **job_settings(),
        **sign_in_limits(),
        # Reverse proxies in front of the app whose X-Forwarded-For is believed (sign-in counts
        # failures per client address; behind a proxy every client would share the proxy's).
        "TRUSTED_PROXIES": int(os.environ.get("LIANJIAN_TRUSTED_PROXIES", 0)),
        "LIANJIAN_HOME": str(home),
        "DATABASE_URL": os.environ.get("DATABASE_URL", f"sqlite:///{home / 'lianjian.db'}"),
        "REDIS_URL": os.environ.get("REDIS_URL") or None,
        "KEYS_DIR": os.environ.get("LIANJIAN_KEYS_DIR", str(home / "keys")),
        "CATALOGUE_DIR": str(catalogue_dir()),
        "MAX_CONTENT_LENGTH": int(
            os.environ.get("LIANJIAN_MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES)
        ),
        "TOKEN_TTL_HOURS": int(os.environ.get("LIANJIAN_TOKEN_TTL_HOURS", 12)),
        "DEVICE_TOKEN_TTL_DAYS": int(os.environ.get("LIANJIAN_DEVICE_TOKEN_TTL_DAYS", 30)),
        "MAP_TILES": os.environ.get("LIANJIAN_MAP_TILES", "none"),  # none: the vendored outline
        # The portal's address in the links printed on licences' QR codes; empty: the host the
        # request came to (the CLI, with no request, uses DEFAULT_PUBLIC_URL).
        "PUBLIC_URL": os.environ.get("LIANJIAN_PUBLIC_URL", ""),
        "CHECKIN_FAR_METRES": float(os.environ.get("LIANJIAN_CHECKIN_FAR_METRES", 300)),
        "EVIDENCE_DIR": os.environ.get("LIANJIAN_EVIDENCE_DIR", str(home / "evidence")),
        "EVIDENCE_MAX_BYTES": int(os.environ.get("LIANJIAN_EVIDENCE_MAX_BYTES", 5 * 1024 * 1024)),
        # A tablet write's device time: how far ahead of the server's clock, how old it may be.
        "DEVICE_CLOCK_SKEW_SECONDS": float(
            os.environ.get("LIANJIAN_DEVICE_CLOCK_SKEW_SECONDS", 300)
        ),
        "DEVICE_TIME_MAX_AGE_HOURS": float(
            os.environ.get("LIANJIAN_DEVICE_TIME_MAX_AGE_HOURS", 7 * 24)
        ),
        "COMPRESS_ALGORITHM": ["gzip"],
        "COMPRESS_ALGORITHM_STREAMING": ["gzip"],  # static files are sent as streams
        "COMPRESS_MIMETYPES": [
            "application/json",
            "text/html",
            "text/csv",
            # the pages' and the tablet app's own files (103 KB gzip'd for the app's shell)
            "text/javascript",
            "text/css",
            "application/manifest+json",
            "image/svg+xml",
        ],
        "TASK_DEFAULTS": task_defaults(),
        "DRAND_CHAINS": drand_chains(),
        "NIST_CERTIFICATES": nist_certificates(),
        "API_TITLE": "一业一证 综合监管平台 API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api",
        "OPENAPI_JSON_PATH": "openapi.json",
        "OPENAPI_SWAGGER_UI_PATH": "/docs",
        # Served by the app itself (vendored under inspect_app/static/): no CDN on a closed network.
        "OPENAPI_SWAGGER_UI_URL": os.environ.get("LIANJIAN_SWAGGER_UI_URL", SWAGGER_UI_URL),
        "API_SPEC_OPTIONS": {
            "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
            "security": [{"bearer": []}],
        },
        "JSON_AS_ASCII": False,
    }


def ledger_settings() -> dict[str, int]:
    """The commitment ledger (issue 14 §4): how long after its seed source's time (a beacon
    round's, a lottery session's day) a frozen task may wait for its draw before it shows as
    overdue (LIANJIAN_DRAW_GRACE_MINUTES), and the shortest void reason (characters)."""
    return {
        "DRAW_GRACE_MINUTES": int(os.environ.get("LIANJIAN_DRAW_GRACE_MINUTES", 60)),
        "VOID_REASON_MIN_CHARS": int(os.environ.get("LIANJIAN_VOID_REASON_MIN_CHARS", 6)),
    }
