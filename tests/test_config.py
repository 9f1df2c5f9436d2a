from __future__ import annotations

import pytest

from lms.config import REPO_ROOT, SETTINGS, settings_from_env


def test_readme_documents_every_setting():
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    missing = [setting.env for setting in SETTINGS if f"`{setting.env}`" not in readme]
    assert missing == []


def test_settings_are_parsed_from_the_environment():
    values = settings_from_env({"LMS_COOKIE_SECURE": "off", "LMS_WORKERS": "4",
                                "LMS_DATABASE_URL": "postgresql+psycopg://u@h/db"})
    assert values["SESSION_COOKIE_SECURE"] is False
    assert values["WORKERS"] == 4
    assert values["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@h/db"
    assert values["BABEL_DEFAULT_LOCALE"] == "vi"


def test_a_malformed_setting_names_the_variable():
    with pytest.raises(RuntimeError, match="LMS_WORKERS"):
        settings_from_env({"LMS_WORKERS": "many"})
