"""The e-signature lab of the e-signatures course, in the browser.

Step 1: the platform signs a practice document for the learner with the practice identity
(and offers a copy altered after signing). Step 2: the learner uploads any PDF and the lab
explains its signatures in plain words. Step 3 is the course quiz, which asks about both.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from io import BytesIO

from flask import Blueprint, abort, current_app, render_template, send_file
from flask_babel import format_datetime, get_locale
from flask_babel import gettext as _
from flask_login import current_user

from lms.accounts.access import requires
from lms.accounts.models import Role
from lms.certificates.identity import practice_identity
from lms.certificates.pdf import PracticeContent, render_practice_document
from lms.certificates.signing import sign_pdf
from lms.certificates.verify import (
    MAX_UPLOAD_MB,
    PdfReport,
    SignatureFinding,
    Trust,
    UnreadablePdf,
    UploadProblem,
    inspect_pdf,
    read_pdf_upload,
)
from lms.certificates.views import UploadForm, platform_roots, verify_rate_limit
from lms.db import utcnow
from lms.extensions import limiter

bp = Blueprint("lab", __name__)

COURSE_SLUG = "e-signatures"
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
KEYWORD_PREFIX = b"lms-practice "


def _practice_pdf() -> bytes:
    locale = str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])
    reference = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
    content = PracticeContent(reference=reference, learner_name=current_user.full_name,
                              unit_name=current_user.unit.name_in(locale), made_at=utcnow(),
                              locale=locale)
    return sign_pdf(render_practice_document(content), practice_identity(),
                    reason=_("Practice signature: no legal value"),
                    location=_("E-signature lab"))


def altered_copy(signed: bytes) -> bytes:
    """The signed practice document with one character of its signed part changed.

    The change sits in the document's keywords, which no page shows: the copy looks the same
    on screen, and only the signature reveals that it is not the file that was signed.
    """
    start = signed.find(KEYWORD_PREFIX)
    if start < 0:
        raise RuntimeError("the practice document has no reference to alter")
    position = start + len(KEYWORD_PREFIX)
    changed = bytearray(signed)
    changed[position] = ord("X") if changed[position] != ord("X") else ord("Y")
    return bytes(changed)


def _pdf_response(content: bytes, name: str):
    response = send_file(BytesIO(content), mimetype="application/pdf", as_attachment=True,
                         download_name=name, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/e-signature")
@requires(Role.LEARNER)
def index():
    return render_template("lab/index.html", course_slug=COURSE_SLUG)


@bp.route("/e-signature/practice-<variant>.pdf")
@requires(Role.LEARNER)
@limiter.limit(verify_rate_limit)
def practice(variant: str):
    if variant not in ("signed", "altered"):
        abort(404)
    signed = _practice_pdf()
    if variant == "signed":
        return _pdf_response(signed, "practice-signed.pdf")
    return _pdf_response(altered_copy(signed), "practice-altered.pdf")


@dataclass(frozen=True)
class Answer:
    question: str
    answer: str
    tone: str = ""  # "ok", "warn" or "bad": how the answer is marked on the page


def _when(finding: SignatureFinding) -> str:
    if finding.signed_at is None:
        return _("The signature states no signing time.")
    moment = format_datetime(finding.signed_at, "short")
    if finding.timestamped:
        return _("%(time)s, confirmed by a timestamp from a timestamping service.", time=moment)
    return _("%(time)s, as stated by the signer's own computer. There is no trusted timestamp, so "
             "this time is only the signer's claim.", time=moment)


def _unchanged(finding: SignatureFinding) -> Answer:
    if not finding.intact:
        return Answer(_("Is the content unchanged since signing?"),
                      _("No. The file was changed after it was signed: the signature no longer "
                        "matches the content."), "bad")
    if not finding.whole_file:
        return Answer(_("Is the content unchanged since signing?"),
                      _("The signed part is unchanged, but something was added to the file after "
                        "this signature. It may be harmless (a second signature, a filled-in form) "
                        "or it may change what you see: a PDF reader's signature panel shows what "
                        "was added."), "warn")
    return Answer(_("Is the content unchanged since signing?"),
                  _("Yes. Not one byte has changed since it was signed."), "ok")


def _trusted(finding: SignatureFinding) -> Answer:
    question = _("Is the signer's certificate trusted?")
    if not finding.intact:
        return Answer(question, _("It does not matter any more: a signature that no longer "
                                  "matches the content says nothing about who approved this "
                                  "content."), "bad")
    if finding.trust is Trust.PRACTICE:
        return Answer(question, _("Only inside this lab: it was issued by the lab's practice "
                                  "authority. No PDF reader and no agency trusts it."), "warn")
    if finding.trust is Trust.PLATFORM:
        return Answer(question, _("Yes, by this platform: it was issued by the platform's own "
                                  "certificate service, which signs completion certificates."), "ok")
    return Answer(question, _("The lab cannot tell. It knows only its practice authority and the "
                              "platform's certificate service. Whether this issuer is a licensed "
                              "digital signature certification service provider is checked by a "
                              "PDF reader's list of trusted issuers, or by the verification tool "
                              "your agency uses."), "warn")


def _desk(finding: SignatureFinding) -> Answer:
    question = _("What does it mean at a one-stop desk?")
    if not finding.intact:
        return Answer(question, _("Do not accept it. Ask the sender for a newly signed copy "
                                  "through an official channel."), "bad")
    if not finding.whole_file:
        return Answer(question, _("Do not accept it as it is. Check in a PDF reader what was "
                                  "added after signing; if in doubt, ask the sender for a new "
                                  "copy."), "warn")
    if finding.trust is Trust.PRACTICE:
        return Answer(question, _("It would not be accepted: a practice certificate has no legal "
                                  "value. It only shows how signing works."), "bad")
    if finding.trust is Trust.PLATFORM:
        return Answer(question, _("It is a completion certificate of this platform. Its status, "
                                  "valid or revoked, is shown on the public verification page."),
                      "ok")
    return Answer(question, _("The content is unchanged. Before accepting it, check the signer's "
                              "certificate with the verification tool your agency uses: the "
                              "issuer must be a recognised provider, and the certificate must "
                              "have been valid, not revoked, when the document was signed."),
                  "warn")


def explain(finding: SignatureFinding) -> list[Answer]:
    """The lab's plain-words answers about one signature."""
    if not finding.readable:
        return [Answer(_("Can the lab read this signature?"),
                       _("No: it uses a format the lab cannot check. Open the file in a PDF "
                         "reader and look at its signature panel."), "warn")]
    signer = finding.signer_name or _("an unnamed signer")
    if finding.signer_organisation:
        signer = _("%(name)s (%(organisation)s)", name=signer,
                   organisation=finding.signer_organisation)
    return [
        Answer(_("Is it signed?"), _("Yes, it carries a digital signature."), "ok"),
        Answer(_("Who signed it?"),
               _("%(signer)s, with a certificate issued by %(issuer)s.", signer=signer,
                 issuer=finding.issuer_name or _("an unnamed issuer"))),
        Answer(_("When was it signed?"), _when(finding)),
        _unchanged(finding),
        _trusted(finding),
        _desk(finding),
    ]


@bp.route("/e-signature/check", methods=["GET", "POST"])
@requires(Role.LEARNER)
@limiter.limit(verify_rate_limit, methods=["POST"])
def check():
    form = UploadForm()
    problem, status, report = None, 200, None
    if form.validate_on_submit():
        try:
            content = read_pdf_upload(form.document.data)
            report = inspect_pdf(content, platform_roots=platform_roots(),
                                 practice_roots=practice_identity().trust_roots)
        except UploadProblem as error:
            problem, status = error.message, error.status
        except UnreadablePdf as error:
            problem, status = error.message, 422
    explained = ([(finding, explain(finding)) for finding in report.signatures]
                 if isinstance(report, PdfReport) else [])
    return render_template("lab/check.html", form=form, problem=problem, report=report,
                           explained=explained, course_slug=COURSE_SLUG,
                           max_mb=MAX_UPLOAD_MB), status
