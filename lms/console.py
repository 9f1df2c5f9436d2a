"""Entry point of the ``lms`` console script."""

from flask.cli import FlaskGroup

from lms import create_app


def main() -> None:
    FlaskGroup(create_app=create_app, help="Digital-skills learning platform.").main()
