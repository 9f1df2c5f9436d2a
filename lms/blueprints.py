"""Factory step: every feature's blueprint, in one list."""

from flask import Flask

from lms.accounts.views import bp as auth_bp
from lms.admin.views import bp as admin_bp
from lms.api.admin_views import bp as api_tokens_bp
from lms.api.views import bp as api_bp
from lms.certificates.lab import bp as lab_bp
from lms.certificates.views import bp as certificates_bp
from lms.classroom.join_views import bp as classroom_join_bp
from lms.classroom.views import bp as classroom_bp
from lms.classroom.views import rollup_bp as classroom_rollup_bp
from lms.exports.views import bp as exports_bp
from lms.i18n import bp as i18n_bp
from lms.learning.views import bp as learning_bp
from lms.main.views import bp as main_bp
from lms.people.views import bp as people_bp
from lms.quiz.views import bp as quiz_bp
from lms.roster.views import bp as roster_bp
from lms.scoring.views import bp as scoring_bp


def register_blueprints(app: Flask) -> None:
    for blueprint, prefix in (
        (main_bp, None),
        (auth_bp, None),
        (i18n_bp, None),
        (learning_bp, "/learn"),
        (quiz_bp, "/quiz"),
        (scoring_bp, "/scores"),
        (people_bp, "/people"),
        (exports_bp, "/hr/exports"),
        (admin_bp, "/admin"),
        (roster_bp, "/hr/roster"),
        (api_tokens_bp, "/admin/api-tokens"),
        (api_bp, "/api/v1"),
        (certificates_bp, None),
        (lab_bp, "/learn/lab"),
        (classroom_bp, "/sessions"),
        (classroom_join_bp, "/j"),
        (classroom_rollup_bp, "/scores/citizen-sessions"),
    ):
        app.register_blueprint(blueprint, url_prefix=prefix)
