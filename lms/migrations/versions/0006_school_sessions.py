"""school sessions: class sessions, their participants, and quiz attempts by participants

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-21 20:52:39.563728

A quiz attempt now belongs to an official or to a session participant (exactly one). On
SQLite, ``quiz_attempt`` and ``certificate`` are rebuilt (batch mode); foreign keys are
switched off around the rebuild, otherwise dropping the old ``quiz_attempt`` would cascade
into ``attempt_item``.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def _foreign_keys(on: bool) -> None:
    """SQLite only honours this pragma outside a transaction."""
    if op.get_bind().dialect.name == "sqlite":
        with op.get_context().autocommit_block():
            op.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")


def upgrade():
    op.create_table('class_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('lesson_keys', sa.JSON(), nullable=True),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=False),
    sa.Column('audience', sa.Enum('students', 'parents', 'residents', name='session_audience', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('expected_size', sa.Integer(), nullable=False),
    sa.Column('pacing', sa.Enum('self_paced', 'led', name='session_pacing', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('join_code', sa.String(length=6), nullable=False),
    sa.Column('opened_lessons', sa.Integer(), nullable=False),
    sa.Column('quiz_open', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('anonymised_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['course_id'], ['course.id'], name=op.f('fk_class_session_course_id_course'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['created_by_id'], ['official.id'], name=op.f('fk_class_session_created_by_id_official'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['unit_id'], ['org_unit.id'], name=op.f('fk_class_session_unit_id_org_unit'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_class_session'))
    )
    with op.batch_alter_table('class_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_class_session_course_id'), ['course_id'], unique=False)
        batch_op.create_index('ix_class_session_unit_starts', ['unit_id', 'starts_at'], unique=False)
        batch_op.create_index('uq_class_session_open_code', ['join_code'], unique=True, sqlite_where=sa.text('closed_at IS NULL'), postgresql_where=sa.text('closed_at IS NULL'))

    op.create_table('session_participant',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=48), nullable=False),
    sa.Column('resume_code', sa.String(length=6), nullable=False),
    sa.Column('display_name', sa.String(length=80), nullable=False),
    sa.Column('group_name', sa.String(length=80), nullable=True),
    sa.Column('joined_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('best_percent', sa.Float(), nullable=True),
    sa.ForeignKeyConstraint(['session_id'], ['class_session.id'], name=op.f('fk_session_participant_session_id_class_session'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_session_participant')),
    sa.UniqueConstraint('session_id', 'resume_code', name='uq_session_participant_resume'),
    sa.UniqueConstraint('token', name=op.f('uq_session_participant_token'))
    )
    with op.batch_alter_table('session_participant', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_session_participant_session_id'), ['session_id'], unique=False)

    op.create_table('participant_lesson',
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('lesson_key', sa.String(length=64), nullable=False),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['participant_id'], ['session_participant.id'], name=op.f('fk_participant_lesson_participant_id_session_participant'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('participant_id', 'lesson_key', name=op.f('pk_participant_lesson'))
    )
    _foreign_keys(False)
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.create_foreign_key(batch_op.f('fk_certificate_participant_id_session_participant'), 'session_participant', ['participant_id'], ['id'], ondelete='RESTRICT')
        batch_op.create_unique_constraint('uq_certificate_participant_course', ['participant_id', 'course_id'])

    with op.batch_alter_table('quiz_attempt', schema=None) as batch_op:
        batch_op.add_column(sa.Column('participant_id', sa.Integer(), nullable=True))
        batch_op.alter_column('official_id',
               existing_type=sa.INTEGER(),
               nullable=True)
        batch_op.create_unique_constraint('uq_quiz_attempt_participant_number', ['participant_id', 'course_id', 'number'])
        batch_op.create_foreign_key(batch_op.f('fk_quiz_attempt_participant_id_session_participant'), 'session_participant', ['participant_id'], ['id'], ondelete='CASCADE')
        batch_op.create_check_constraint('one_learner', sa.text('(official_id IS NULL) <> (participant_id IS NULL)'))
    _foreign_keys(True)


def downgrade():
    # Participants' attempts cannot outlive their learner column.
    op.execute("DELETE FROM attempt_item WHERE attempt_id IN "
               "(SELECT id FROM quiz_attempt WHERE participant_id IS NOT NULL)")
    op.execute("DELETE FROM quiz_attempt WHERE participant_id IS NOT NULL")
    op.execute("DELETE FROM certificate WHERE participant_id IS NOT NULL")
    _foreign_keys(False)
    with op.batch_alter_table('quiz_attempt', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_quiz_attempt_one_learner'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_quiz_attempt_participant_id_session_participant'), type_='foreignkey')
        batch_op.drop_constraint('uq_quiz_attempt_participant_number', type_='unique')
        batch_op.alter_column('official_id',
               existing_type=sa.INTEGER(),
               nullable=False)
        batch_op.drop_column('participant_id')

    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.drop_constraint('uq_certificate_participant_course', type_='unique')
        batch_op.drop_constraint(batch_op.f('fk_certificate_participant_id_session_participant'), type_='foreignkey')
    _foreign_keys(True)

    op.drop_table('participant_lesson')
    with op.batch_alter_table('session_participant', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_session_participant_session_id'))

    op.drop_table('session_participant')
    with op.batch_alter_table('class_session', schema=None) as batch_op:
        batch_op.drop_index('uq_class_session_open_code', sqlite_where=sa.text('closed_at IS NULL'), postgresql_where=sa.text('closed_at IS NULL'))
        batch_op.drop_index('ix_class_session_unit_starts')
        batch_op.drop_index(batch_op.f('ix_class_session_course_id'))

    op.drop_table('class_session')
