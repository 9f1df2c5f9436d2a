"""Every model module, imported so that ``db.metadata`` knows all tables (migrations, tests)."""

from lms.accounts.models import Official, RoleGrant
from lms.api.models import ApiToken
from lms.audit.models import AuditEvent
from lms.certificates.models import Certificate
from lms.classroom.models import ClassSession, ParticipantLesson, SessionParticipant
from lms.learning.models import Course, CourseCompletion, CourseVersion, Lesson, LessonProgress
from lms.org.models import OrgUnit, OrgUnitClosure
from lms.quiz.models import AttemptItem, CourseVersionQuestion, Question, QuestionVersion, QuizAttempt
from lms.roster.models import RosterUpload
from lms.scoring.models import ScoreSnapshot, ScoringPolicy, SnapshotCourse, SnapshotOfficial, SnapshotUnit
from lms.xapi.models import XapiStatement

__all__ = [
    "ApiToken", "AttemptItem", "AuditEvent", "Certificate", "ClassSession", "Course", "CourseCompletion", "CourseVersion",
    "CourseVersionQuestion", "Lesson", "LessonProgress", "Official", "OrgUnit", "OrgUnitClosure", "ParticipantLesson",
    "Question", "QuestionVersion", "QuizAttempt", "RoleGrant", "RosterUpload", "ScoreSnapshot", "ScoringPolicy", "SessionParticipant",
    "SnapshotCourse", "SnapshotOfficial", "SnapshotUnit", "XapiStatement",
]
