"""Assessment exports as HTTP downloads, shared by the exports page and the scores CSV link."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator

from flask import Response, request, stream_with_context
from flask_babel import get_locale
from flask_login import current_user
from werkzeug.wsgi import wrap_file

from lms.accounts.models import Official
from lms.exports.assessment import (
    MIMETYPES,
    AssessmentExport,
    csv_chunks,
    record_export,
    write_xlsx,
)
from lms.extensions import db

#: An XLSX file is built in memory up to this size, then in a temporary file on disk.
SPOOL_BYTES = 8 * 1024 * 1024
CHUNK_BYTES = 64 * 1024


def generated_by(official: Official) -> str:
    """The exporter as the metadata sheet names them: name and employee code."""
    return f"{official.full_name} ({official.employee_code or official.login})"


def _headers(filename: str) -> dict[str, str]:
    # Personal data: no shared cache may keep a copy.
    return {"Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store"}


def stream_download(chunks: Iterator[str] | Iterator[bytes], filename: str, mimetype: str) -> Response:
    """A file sent as its chunks are produced, after the view has returned.

    The language is settled now (it is cached for the request), while the signed-in official
    can still be read from the session."""
    get_locale()
    return Response(stream_with_context(chunks), mimetype=mimetype, headers=_headers(filename))


def csv_download(export: AssessmentExport, separator: str, filename: str | None = None) -> Response:
    """Audit, commit, then stream the CSV as the rows come from the database.

    The rows' statements and labels are prepared first, while the request's session holds
    the snapshot; the queries run in the stream's own session."""
    chunks = csv_chunks(export, separator)
    record_export(export, "csv", separator=separator, via="web")
    db.session.commit()
    return stream_download(chunks, filename or export.filename("csv"), MIMETYPES["csv"])


def xlsx_download(export: AssessmentExport) -> Response:
    """Build the workbook, then stream it in chunks.

    XLSX is a zip whose directory comes last, so no byte can be sent before the whole file
    is written: it is spooled in memory (up to SPOOL_BYTES) or a temporary file, sent with
    its length, and closed (deleted) when the response ends."""
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)
    try:
        write_xlsx(export, spool)
        record_export(export, "xlsx", via="web")
        db.session.commit()
    except BaseException:
        spool.close()
        raise
    size = spool.tell()
    spool.seek(0)
    headers = _headers(export.filename("xlsx"))
    headers["Content-Length"] = str(size)
    return Response(wrap_file(request.environ, spool, CHUNK_BYTES), mimetype=MIMETYPES["xlsx"],
                    headers=headers, direct_passthrough=True)


def current_exporter() -> str:
    return generated_by(current_user)
