"""``lms certificates …``: the signing identities and certificates for older completions."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _

from lms.certificates.identity import SigningUnavailable, ensure_identities
from lms.certificates.operations import issue_missing_certificates
from lms.extensions import db
from lms.i18n import in_chosen_language


def prepare_certificates() -> list[str]:
    """For ``lms init`` and ``lms demo``: signing identities ready, every completion certified.
    The notes (and any error) are in the current language: call it inside ``cli_locale``."""
    try:
        notes = ensure_identities(current_app._get_current_object())
    except SigningUnavailable as error:
        raise click.ClickException(_("Certificates cannot be signed: %(error)s",
                                     error=error)) from None
    issued = issue_missing_certificates()
    db.session.commit()
    if issued:
        notes.append(ngettext("Issued %(count)s certificate for a completion that had none.",
                              "Issued %(count)s certificates for completions that had none.",
                              issued, count=format_decimal(issued)))
    return notes


@click.group("certificates")
def certificates_command() -> None:
    """Completion certificates and their signing certificates."""


@certificates_command.command("prepare")
@with_appcontext
@in_chosen_language()
def prepare_command() -> None:
    """Check (or generate the demo) signing identities; certify completions that have no
    certificate yet. `lms init` does this too."""
    for note in prepare_certificates():
        click.echo(note)
