"""Serve Ralph's LRS (``ralph.api:app``, from the ``ralph-malph`` package) for the tests.

Run as ``python lrs_server.py PORT`` with Ralph's settings in the environment (see
``tests/xapi/lrs.py``). One adjustment: Ralph's file-system backend writes with the CREATE
operation, which refuses to touch an existing file, so as shipped (5.1) it stores the first
POST and answers 500 to every later one. It is told to append instead. Everything the tests
rely on — statement validation, ids, duplicate and conflict handling, queries, Basic
authentication — is Ralph's own code.
"""

from __future__ import annotations

import sys

import uvicorn
from ralph.backends.data.base import BaseOperationType
from ralph.backends.lrs.fs import FSLRSBackend

FSLRSBackend.default_operation_type = BaseOperationType.APPEND

if __name__ == "__main__":
    uvicorn.run("ralph.api:app", host="127.0.0.1", port=int(sys.argv[1]), log_level="warning",
                workers=1)
