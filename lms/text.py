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
