"""The roster's columns: their names in both languages, the spellings offices use, and how a
header row is matched to them.

Headers compare without case, accents or extra spaces, so "Mã đơn vị", "MA DON VI" and
"Unit code" all name the same column.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from lms.accounts.models import STAFF_CATEGORY_LABELS, StaffCategory
from lms.text import fold_for_search

# Officials only: pupils and citizens join school sessions, not the staff roster.
ROSTER_CATEGORIES = (StaffCategory.CAN_BO, StaffCategory.CONG_CHUC, StaffCategory.VIEN_CHUC,
                     StaffCategory.NGUOI_LAO_DONG)


@dataclass(frozen=True)
class Column:
    key: str
    label: object  # a lazy gettext string
    required: bool
    aliases: tuple[str, ...] = ()
    hint: object = ""


COLUMNS: tuple[Column, ...] = (
    Column("employee_code", _l("Employee code"), True,
           ("ma can bo", "ma cbccvc", "ma nhan vien", "ma so", "ma", "code", "staff code"),
           _l("Unique code from the HR records; what later imports match on.")),
    Column("full_name", _l("Full name"), True, ("ho va ten", "ho ten", "ten", "name"),
           _l("As on the official's papers.")),
    Column("unit_code", _l("Unit code"), True, ("ma don vi", "don vi", "unit"),
           _l("Code of the unit the official works in (see the units page).")),
    Column("staff_category", _l("Staff category"), True,
           ("loai", "loai can bo", "phan loai", "doi tuong", "category"),
           _l("Cadre, civil servant, public employee or contract worker.")),
    Column("position", _l("Position"), False, ("chuc vu", "chuc danh", "position title"),
           _l("Optional.")),
    Column("email", _l("Email"), False, ("thu dien tu", "e-mail", "mail"), _l("Optional.")),
    Column("login", _l("Login"), False, ("ten dang nhap", "tai khoan", "username"),
           _l("Optional; new accounts sign in with their employee code when empty.")),
)
COLUMN_BY_KEY = {column.key: column for column in COLUMNS}

#: What an update changes in an account, as the preview and `lms roster import` name it.
FIELD_LABELS = {
    "full_name": _l("name"),
    "unit_id": _l("unit"),
    "staff_category": _l("staff category"),
    "position_title": _l("position"),
    "email": _l("email"),
    "login": _l("login"),
    "active": _l("reactivated"),
    "employee_code": _l("linked to the roster"),
}

_CATEGORY_ALIASES = {
    "cb": StaffCategory.CAN_BO, "cc": StaffCategory.CONG_CHUC, "vc": StaffCategory.VIEN_CHUC,
    "hop dong": StaffCategory.NGUOI_LAO_DONG, "hd": StaffCategory.NGUOI_LAO_DONG,
    "ld": StaffCategory.NGUOI_LAO_DONG,
}


def _in_both_languages(text: object) -> set[str]:
    spellings = set()
    for locale in ("vi", "en"):
        with force_locale(locale):
            spellings.add(fold_for_search(str(text)))
    return spellings


def header_spellings() -> dict[str, str]:
    """Folded header spelling -> column key."""
    spellings: dict[str, str] = {}
    for column in COLUMNS:
        for spelling in _in_both_languages(column.label) | set(column.aliases):
            spellings[spelling] = column.key
        spellings[column.key.replace("_", " ")] = column.key
    return spellings


def category_spellings() -> dict[str, StaffCategory]:
    spellings: dict[str, StaffCategory] = dict(_CATEGORY_ALIASES)
    for category in ROSTER_CATEGORIES:
        spellings[category.value] = category
        spellings[category.value.replace("_", " ")] = category
        for spelling in _in_both_languages(STAFF_CATEGORY_LABELS[category]):
            spellings[spelling] = category
    return spellings


def normalise_header(header: str) -> str:
    return fold_for_search(header).replace("_", " ").strip(" *:")


def category_label_list() -> str:
    return ", ".join(str(STAFF_CATEGORY_LABELS[category]) for category in ROSTER_CATEGORIES)


def describe_missing(keys: list[str]) -> str:
    return _("Missing column(s): %(columns)s.",
             columns=", ".join(str(COLUMN_BY_KEY[key].label) for key in keys))
