"""xAPI settings: off unless an endpoint is given, and never on without a base URL."""

from __future__ import annotations

import pytest

from lms.config import settings_from_env
from tests.conftest import make_test_app


def test_xapi_is_off_unless_an_endpoint_is_set():
    values = settings_from_env({})
    assert values["XAPI_ENDPOINT"] is None
    assert values["XAPI_BATCH_SIZE"] == 50


def test_urls_are_checked_and_kept_without_a_trailing_slash():
    values = settings_from_env({"LMS_XAPI_ENDPOINT": "https://lrs.example.gov.vn/xAPI/",
                                "LMS_XAPI_BASE_URL": "https://hoctap.example.gov.vn/"})
    assert values["XAPI_ENDPOINT"] == "https://lrs.example.gov.vn/xAPI"
    assert values["XAPI_BASE_URL"] == "https://hoctap.example.gov.vn"
    with pytest.raises(RuntimeError, match="LMS_XAPI_ENDPOINT"):
        settings_from_env({"LMS_XAPI_ENDPOINT": "lrs.example.gov.vn"})
    with pytest.raises(RuntimeError, match="LMS_XAPI_BATCH_SIZE"):
        settings_from_env({"LMS_XAPI_BATCH_SIZE": "0"})


def test_an_endpoint_without_a_base_url_stops_the_start(database_url, tmp_path):
    with pytest.raises(RuntimeError, match="LMS_XAPI_BASE_URL"):
        make_test_app(database_url, str(tmp_path), XAPI_ENDPOINT="https://lrs.example.gov.vn/xAPI")
