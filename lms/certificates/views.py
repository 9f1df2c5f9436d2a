"""Certificate pages: public verification, an official's own certificates and downloads, and
the admin's revocation."""

from __future__ import annotations

from io import BytesIO

from asn1crypto import x509 as asn1_x509
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from lms.accounts.access import authorize, can_act_on_unit, has_role, public, requires, scope_unit_ids
from lms.accounts.models import Role
from lms.certificates.identity import SigningUnavailable, certificate_identity
from lms.certificates.models import Certificate
from lms.certificates.operations import (
    CertificateFileDeleted,
    certificate_pdf,
    normalise_serial,
    revoke_certificate,
)
from lms.certificates.queries import certificate_by_serial, certificates_in_scope, certificates_of
from lms.certificates.verify import (
    MAX_UPLOAD_MB,
    UnreadablePdf,
    UploadProblem,
    check_certificate_pdf,
    read_pdf_upload,
)
from lms.extensions import db, limiter
from lms.web import paginate

bp = Blueprint("certificates", __name__)


def verify_rate_limit() -> str:
    return current_app.config["VERIFY_RATE_LIMIT"]


def public_url(endpoint: str, **values: object) -> str:
    """An absolute address for documents that leave the site (the QR code on a certificate).

    ``LMS_PUBLIC_URL`` fixes the host, so that a PDF never carries whatever Host header the
    request that first made it happened to send."""
    base = current_app.config.get("PUBLIC_URL")
    if base:
        return base.rstrip("/") + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)


class UploadForm(FlaskForm):
    document = FileField(_l("PDF file"))


class RevokeForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[
        DataRequired(_l("Give the reason for revoking.")),
        Length(max=500, message=_l("At most %(max)d characters.")),
    ])


def platform_roots() -> tuple[asn1_x509.Certificate, ...]:
    """The CA certificates of the platform's signing identity; none when it cannot be loaded
    (then uploads are still matched against the records by their hash)."""
    try:
        return certificate_identity().trust_roots
    except SigningUnavailable:
        current_app.logger.exception("The certificate-signing identity cannot be loaded")
        return ()


def holder_unit(certificate: Certificate) -> int:
    return certificate.official.unit_id if certificate.official is not None else certificate.unit_id


def _certificate_or_404(serial: str) -> Certificate:
    canonical = normalise_serial(serial)
    certificate = certificate_by_serial(canonical) if canonical else None
    if certificate is None:
        abort(404)
    return certificate


# Public verification ----------------------------------------------------------------------

@bp.route("/verify", methods=["GET", "POST"])
@public
@limiter.limit(verify_rate_limit, methods=["POST"])
def verify():
    form = UploadForm()
    problem, status, check = None, 200, None
    typed = request.args.get("serial")
    if typed is not None:
        serial = normalise_serial(typed)
        if serial:
            return redirect(url_for("certificates.verify_serial", serial=serial))
        problem, status = _("A serial number has 12 letters and digits, like ABCD-EFGH-JKMN."), 400
    elif form.validate_on_submit():
        try:
            content = read_pdf_upload(form.document.data)
            check = check_certificate_pdf(content, platform_roots())
        except UploadProblem as error:
            problem, status = error.message, error.status
        except UnreadablePdf as error:
            problem, status = error.message, 422
    return render_template("certificates/verify.html", form=form, problem=problem, check=check,
                           typed=typed or "", max_mb=MAX_UPLOAD_MB), status


@bp.route("/verify/<serial>")
@public
@limiter.limit(verify_rate_limit)
def verify_serial(serial: str):
    canonical = normalise_serial(serial)
    certificate = certificate_by_serial(canonical) if canonical else None
    if certificate is not None and canonical != serial:
        return redirect(url_for("certificates.verify_serial", serial=canonical))
    return render_template("certificates/status.html", certificate=certificate,
                           serial=canonical or serial), 200 if certificate else 404


# Officials' own certificates --------------------------------------------------------------

@bp.route("/certificates/")
@requires(Role.LEARNER)
def mine():
    return render_template("certificates/mine.html", certificates=certificates_of(current_user.id))


@bp.route("/certificates/<serial>.pdf")
@requires(Role.LEARNER)
def download(serial: str):
    certificate = _certificate_or_404(serial)
    if certificate.official_id != current_user.id and not (
            has_role(current_user, Role.UNIT_MANAGER)
            and can_act_on_unit(current_user, Role.UNIT_MANAGER, holder_unit(certificate))):
        abort(404)
    return send_certificate_pdf(
        certificate, back_to=url_for("certificates.mine"),
        unavailable=_("The certificate's PDF cannot be made right now. Please try again later; if "
                      "it keeps failing, tell your administrator."))


def send_certificate_pdf(certificate: Certificate, *, back_to: str, unavailable: str):
    """The holder's signed PDF as a private download, signed and stored on the first one.

    A revoked certificate, or one whose file was erased with its holder's name, answers 404;
    when the signing key cannot be used, the holder goes back to ``back_to`` with the message
    ``unavailable``. Callers have checked who may download it.
    """
    if certificate.revoked_at is not None:
        abort(404)
    try:
        content = certificate_pdf(certificate, verify_url=public_url(
            "certificates.verify_serial", serial=certificate.serial))
    except CertificateFileDeleted:
        abort(404)
    except SigningUnavailable:
        current_app.logger.exception("Certificate %s could not be signed", certificate.serial)
        db.session.rollback()
        flash(unavailable, "error")
        return redirect(back_to)
    db.session.commit()
    response = send_file(BytesIO(content), mimetype="application/pdf", as_attachment=True,
                         download_name=f"certificate-{certificate.serial}.pdf", max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response


# Administration ---------------------------------------------------------------------------

@bp.route("/certificates/manage")
@requires(Role.ADMIN)
def manage():
    search = request.args.get("q", "").strip()[:100]
    serial = normalise_serial(search)
    query = certificates_in_scope(scope_unit_ids(current_user, Role.ADMIN),
                                  serial=serial, search=None if serial else search or None)
    return render_template("certificates/manage.html", page=paginate(query), search=search)


@bp.route("/certificates/<serial>/revoke", methods=["GET", "POST"])
@requires(Role.ADMIN)
def revoke(serial: str):
    certificate = _certificate_or_404(serial)
    authorize(Role.ADMIN, holder_unit(certificate))
    form = RevokeForm()
    if certificate.revoked_at is None and form.validate_on_submit():
        if revoke_certificate(certificate, reason=form.reason.data.strip(), by=current_user):
            flash(_("Certificate %(serial)s revoked.", serial=certificate.serial), "success")
        db.session.commit()
        return redirect(url_for("certificates.revoke", serial=certificate.serial))
    status = 422 if request.method == "POST" and form.errors else 200
    return render_template("certificates/revoke.html", certificate=certificate, form=form), status
