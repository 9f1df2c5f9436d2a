"""The OpenAPI document, maintained by hand in ``openapi.yaml`` beside this module.

It is read once per process and served as JSON at ``/api/v1/openapi.json``. Tests check it
against the OpenAPI 3.1 specification, against the URL map, and every real answer of the
API against its schemas.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

OPENAPI_PATH = Path(__file__).with_name("openapi.yaml")


@cache
def _document() -> dict[str, Any]:
    return YAML(typ="safe").load(OPENAPI_PATH.read_text(encoding="utf-8"))


@cache
def _document_json() -> str:
    return json.dumps(_document(), ensure_ascii=False, indent=1)


def openapi_document(*, as_json: bool = False) -> Any:
    """The document as a dict (do not modify it: it is shared), or as JSON text."""
    return _document_json() if as_json else _document()
