"""``lms certificates …``: the signing identities and certificates for older completions."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from lms.certificates.identity import SigningUnavailable, ensure_identities
from lms.certificates.operations import issue_missing_certificates
from lms.extensions import db


def prepare_certificates() -> list[str]:
    """For ``lms init`` and ``lms demo``: signing identities ready, every completion certified."""
    try:
        notes = ensure_identities(current_app._get_current_object())
    except SigningUnavailable as error:
        raise click.ClickException(f"Certificates cannot be signed: {error}") from None
    issued = issue_missing_certificates()
    db.session.commit()
    if issued:
        notes.append(f"Issued {issued} certificates for completions that had none.")
    return notes


@click.group("certificates")
def certificates_command() -> None:
    """Completion certificates and their signing certificates."""


@certificates_command.command("prepare")
@with_appcontext
def prepare_command() -> None:
    """Check (or generate the demo) signing identities; certify completions that have no
    certificate yet. `lms init` does this too."""
    for note in prepare_certificates():
        click.echo(note)
