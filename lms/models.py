"""Every model module, imported so that ``db.metadata`` knows all tables (migrations, tests)."""

from lms.accounts.models import Official, RoleGrant
from lms.audit.models import AuditEvent
from lms.org.models import OrgUnit, OrgUnitClosure

__all__ = ["AuditEvent", "Official", "OrgUnit", "OrgUnitClosure", "RoleGrant"]
