"""``lms translations update``: extract messages and merge them into the vi and en catalogs.

English text is the message id, so the English catalog is filled with the id wherever it is
empty (a translator may still reword it); Vietnamese entries stay empty until translated,
and the test suite fails while any is.
"""

from __future__ import annotations

from pathlib import Path

import click
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po, write_po

from lms.config import REPO_ROOT

TRANSLATIONS = REPO_ROOT / "translations"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None,
            "lazy_ngettext": (1, 2)}


def extract_messages(root: Path = REPO_ROOT) -> Catalog:
    """Every translatable message in the Python code and templates, as a template catalog."""
    with (TRANSLATIONS / "babel.cfg").open() as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    template = Catalog(project="lms", msgid_bugs_address=None, charset="utf-8")
    for filename, lineno, message, comments, context in extract_from_dir(
        str(root), method_map, options_map, keywords=KEYWORDS, comment_tags=("NOTE:",),
        strip_comment_tags=True,
    ):
        template.add(message, None, [(filename, lineno)], auto_comments=comments,
                     context=context)
    return template


def catalog_path(locale: str) -> Path:
    return TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"


def update_catalog(locale: str, template: Catalog) -> tuple[int, int]:
    """Merge ``template`` into the locale's catalog; return (entries, untranslated)."""
    path = catalog_path(locale)
    if path.exists():
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=locale)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        catalog = Catalog(locale=locale, project="lms", charset="utf-8")
    catalog.update(template, no_fuzzy_matching=True)
    catalog.obsolete.clear()
    catalog.fuzzy = False  # the header: a fuzzy header would be dropped when compiling
    missing = 0
    for message in catalog:
        if not message.id:
            continue
        if locale == "en" and not _translated(message.string):
            message.string = message.id
        if not _translated(message.string):
            missing += 1
    with path.open("wb") as handle:
        write_po(handle, catalog, width=100, sort_output=True, omit_header=False,
                 include_previous=False)
    return len(catalog), missing


def _translated(string: str | tuple[str, ...] | None) -> bool:
    if isinstance(string, tuple):
        return all(string)
    return bool(string)


@click.group("translations")
def translations_command() -> None:
    """Maintain the gettext catalogs in translations/."""


@translations_command.command("update")
def update_command() -> None:
    """Extract messages and merge them into every catalog."""
    template = extract_messages()
    for locale in ("vi", "en"):
        total, missing = update_catalog(locale, template)
        click.echo(f"{locale}: {total} messages, {missing} without translation")
