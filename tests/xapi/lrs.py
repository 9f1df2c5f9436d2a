"""A real Learning Record Store in a subprocess: Ralph with its file-system backend."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import bcrypt
import requests

USERNAME = "lms-sender"
PASSWORD = "lrs-test-password"
SERVER = Path(__file__).with_name("lrs_server.py")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Lrs:
    """Ralph's LRS on a free local port, storing statements in ``directory``.

    ``stop()`` and ``start()`` again keep the port and the stored statements, as an LRS that
    goes down for maintenance and comes back would.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}/xAPI"
        self.process: subprocess.Popen | None = None
        self.log = directory / "ralph.log"
        directory.mkdir(parents=True, exist_ok=True)
        # Ralph's credentials file: bcrypt hashes and scopes per user (its docs, "HTTP Basic
        # Authentication"). Cheap rounds keep start-up fast; the check itself is Ralph's.
        hashed = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(rounds=4)).decode()
        (directory / "auth.json").write_text(json.dumps([{
            "username": USERNAME, "hash": hashed,
            "scopes": ["statements/write", "statements/read"],
            "agent": {"objectType": "Agent",
                      "account": {"homePage": "https://lrs.test", "name": USERNAME}},
        }]))

    @property
    def settings(self) -> dict[str, Any]:
        """The app settings that point the platform at this LRS."""
        return {"XAPI_ENDPOINT": self.endpoint, "XAPI_USERNAME": USERNAME,
                "XAPI_PASSWORD": PASSWORD, "XAPI_TIMEOUT": 5.0}

    def start(self) -> None:
        env = {**os.environ,
               "RALPH_APP_DIR": str(self.directory),
               "RALPH_AUTH_FILE": str(self.directory / "auth.json"),
               "RALPH_RUNSERVER_BACKEND": "fs",
               "RALPH_RUNSERVER_AUTH_BACKENDS": "basic",
               "RALPH_RUNSERVER_MAX_SEARCH_HITS_COUNT": "1000",
               "RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH": str(self.directory / "data")}
        with self.log.open("ab") as log:
            self.process = subprocess.Popen([sys.executable, str(SERVER), str(self.port)],
                                            cwd=self.directory, env=env, stdout=log,
                                            stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the LRS did not start:\n{self.log.read_text()[-3000:]}")
            try:
                if requests.get(f"http://127.0.0.1:{self.port}/__heartbeat__", timeout=1).ok:
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"the LRS did not answer within 30 s:\n{self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None

    def statements(self, **params: Any) -> list[dict[str, Any]]:
        """Every statement the LRS returns for a query (GET /xAPI/statements), all pages."""
        url: str | None = f"{self.endpoint}/statements"
        found: list[dict[str, Any]] = []
        query: dict[str, Any] | None = {"limit": 1000, **params}
        while url:
            response = requests.get(url, params=query, auth=(USERNAME, PASSWORD), timeout=5,
                                    headers={"X-Experience-API-Version": "1.0.3"})
            response.raise_for_status()
            body = response.json()
            found.extend(body["statements"])
            more = body.get("more")
            url = f"http://127.0.0.1:{self.port}{more}" if more else None
            query = None
        return found

    def post(self, statements: list[dict[str, Any]]) -> requests.Response:
        return requests.post(f"{self.endpoint}/statements", json=statements,
                             auth=(USERNAME, PASSWORD), timeout=5,
                             headers={"X-Experience-API-Version": "1.0.3"})
