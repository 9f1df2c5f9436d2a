"""Text normalisation for Vietnamese names and codes."""

from __future__ import annotations

import unicodedata


def clean_text(value: str | None) -> str:
    """NFC-normalise and collapse runs of white space (names typed or pasted from Excel)."""
    if value is None:
        return ""
    return " ".join(unicodedata.normalize("NFC", value).split())


def fold_for_search(value: str | None) -> str:
    """Lower-case, without diacritics, so that "nguyen van an" finds "Nguyễn Văn An"."""
    decomposed = unicodedata.normalize("NFD", clean_text(value))
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return stripped.replace("đ", "d").replace("Đ", "D").casefold()


def normalise_login(value: str | None) -> str:
    """Employee codes and logins compare case-insensitively and without stray spaces."""
    return clean_text(value).casefold()


def vietnamese_sort_key(full_name: str | None) -> str:
    """Sort key for Vietnamese names: given name (the last word) first, as staff lists do.

    "Nguyễn Văn An" sorts as "an nguyen van an", so all the Ans come together, and then by
    family and middle name.
    """
    return name_keys(full_name)[1]


def name_keys(full_name: str | None) -> tuple[str, str]:
    """(search key, sort key) of a name, folding it once: for bulk writes."""
    folded = fold_for_search(full_name)
    given = folded.rsplit(" ", 1)[-1]
    return folded, f"{given} {folded}"


# A spreadsheet runs a cell that starts with one of these as a formula when a CSV is opened
# (CSV injection). Text written for spreadsheets gets a leading apostrophe, which Excel and
# LibreOffice show as plain text; reading such a file back removes it again.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_text(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def from_spreadsheet_text(value: str) -> str:
    return value[1:] if value.startswith("'") and value[1:].startswith(FORMULA_STARTS) else value
