"""The application factory: a list of named steps, each owned by the module it names."""

from __future__ import annotations

import logging
from typing import Any, Callable

from flask import Flask

from lms import models  # noqa: F401  (registers every table on db.metadata)
from lms.accounts.setup import configure_auth
from lms.blueprints import register_blueprints
from lms.cli import register_cli
from lms.config import REPO_ROOT, instance_path_from_env, load_config
from lms.db import configure_database
from lms.errors import register_error_handlers
from lms.i18n import configure_i18n
from lms.security import configure_security
from lms.templating import configure_templates


def _configure_logging(app: Flask) -> None:
    app.logger.setLevel(app.config["LOG_LEVEL"].upper())
    logging.getLogger("lms").setLevel(app.config["LOG_LEVEL"].upper())


STEPS: tuple[Callable[[Flask], None], ...] = (
    _configure_logging,
    configure_database,
    configure_security,
    configure_auth,
    configure_i18n,
    configure_templates,
    register_blueprints,
    register_error_handlers,
    register_cli,
)


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app. ``config`` overrides what the ``LMS_*`` environment variables set."""
    instance_path = (config or {}).get("INSTANCE_PATH") or instance_path_from_env()
    app = Flask(
        __name__,
        instance_path=str(instance_path),
        template_folder=str(REPO_ROOT / "templates"),
        static_folder=str(REPO_ROOT / "static"),
    )
    load_config(app, config)
    for step in STEPS:
        step(app)
    return app
