"""Fixtures for the xAPI tests: one real LRS for the session, xAPI switched on per test."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from flask import Flask

from lms.xapi.statements import Platform
from tests.quiz.helpers import read_lessons
from tests.xapi.lrs import Lrs


@pytest.fixture(scope="session")
def lrs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lrs]:
    server = Lrs(tmp_path_factory.mktemp("lrs"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def platform(app: Flask, lrs: Lrs) -> Platform:
    """xAPI on, sending to the session's LRS. Each test names the platform differently, so
    its statements (ids, actors, activities) are its own in the shared LRS."""
    base_url = f"https://lms-{uuid.uuid4().hex[:12]}.test"
    app.config.update(lrs.settings, XAPI_BASE_URL=base_url)
    return Platform(base_url)


@pytest.fixture
def learner(client, make_official, login_as, sample_course):
    """A signed-in official who has read the sample course's required lessons."""
    official = make_official("cb001", full_name="Trần Thị Bình")
    login_as(official)
    read_lessons(client, "sample")
    return official
