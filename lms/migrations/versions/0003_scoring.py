"""scoring policies and frozen snapshots

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21 16:10:01.968460

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('score_snapshot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=2), nullable=False),
    sa.Column('policy_text', sa.Text(), nullable=False),
    sa.Column('policy_hash', sa.String(length=64), nullable=False),
    sa.Column('as_of', sa.DateTime(timezone=True), nullable=False),
    sa.Column('frozen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('frozen_by_id', sa.Integer(), nullable=True),
    sa.Column('reopened_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reopened_by_id', sa.Integer(), nullable=True),
    sa.Column('reopen_reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['frozen_by_id'], ['official.id'], name=op.f('fk_score_snapshot_frozen_by_id_official'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['reopened_by_id'], ['official.id'], name=op.f('fk_score_snapshot_reopened_by_id_official'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_score_snapshot'))
    )
    with op.batch_alter_table('score_snapshot', schema=None) as batch_op:
        batch_op.create_index('uq_score_snapshot_open', ['year', 'period'], unique=True, sqlite_where=sa.text('reopened_at IS NULL'), postgresql_where=sa.text('reopened_at IS NULL'))

    op.create_table('scoring_policy',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('name_vi', sa.String(length=255), nullable=False),
    sa.Column('name_en', sa.String(length=255), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['official.id'], name=op.f('fk_scoring_policy_uploaded_by_id_official'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scoring_policy')),
    sa.UniqueConstraint('year', 'hash', name='uq_scoring_policy_year_hash')
    )
    with op.batch_alter_table('scoring_policy', schema=None) as batch_op:
        batch_op.create_index('uq_scoring_policy_active', ['year'], unique=True, sqlite_where=sa.text('active'), postgresql_where=sa.text('active'))

    op.create_table('snapshot_course',
    sa.Column('snapshot_id', sa.Integer(), nullable=False),
    sa.Column('official_id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('course_slug', sa.String(length=64), nullable=False),
    sa.Column('deadline_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('weight', sa.Float(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('best_percent', sa.Float(), nullable=True),
    sa.Column('points', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['snapshot_id'], ['score_snapshot.id'], name=op.f('fk_snapshot_course_snapshot_id_score_snapshot'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('snapshot_id', 'official_id', 'course_id', name=op.f('pk_snapshot_course'))
    )
    op.create_table('snapshot_official',
    sa.Column('snapshot_id', sa.Integer(), nullable=False),
    sa.Column('official_id', sa.Integer(), nullable=False),
    sa.Column('login', sa.String(length=64), nullable=False),
    sa.Column('full_name', sa.String(length=255), nullable=False),
    sa.Column('name_sort', sa.String(length=320), nullable=False),
    sa.Column('staff_category', sa.String(length=32), nullable=False),
    sa.Column('position_title', sa.String(length=255), nullable=True),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('unit_code', sa.String(length=32), nullable=False),
    sa.Column('unit_name_vi', sa.String(length=255), nullable=False),
    sa.Column('unit_name_en', sa.String(length=255), nullable=False),
    sa.Column('courses_due', sa.Integer(), nullable=False),
    sa.Column('on_time', sa.Integer(), nullable=False),
    sa.Column('late', sa.Integer(), nullable=False),
    sa.Column('missing', sa.Integer(), nullable=False),
    sa.Column('indicator', sa.Float(), nullable=False),
    sa.Column('band', sa.String(length=32), nullable=False),
    sa.Column('meets_standard', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['snapshot_id'], ['score_snapshot.id'], name=op.f('fk_snapshot_official_snapshot_id_score_snapshot'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('snapshot_id', 'official_id', name=op.f('pk_snapshot_official'))
    )
    with op.batch_alter_table('snapshot_official', schema=None) as batch_op:
        batch_op.create_index('ix_snapshot_official_unit', ['snapshot_id', 'unit_id'], unique=False)

    op.create_table('snapshot_unit',
    sa.Column('snapshot_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('unit_code', sa.String(length=32), nullable=False),
    sa.Column('name_vi', sa.String(length=255), nullable=False),
    sa.Column('name_en', sa.String(length=255), nullable=False),
    sa.Column('headcount', sa.Integer(), nullable=False),
    sa.Column('meeting', sa.Integer(), nullable=False),
    sa.Column('share_meeting', sa.Float(), nullable=False),
    sa.Column('mean_indicator', sa.Float(), nullable=False),
    sa.Column('on_time_share', sa.Float(), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['snapshot_id'], ['score_snapshot.id'], name=op.f('fk_snapshot_unit_snapshot_id_score_snapshot'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('snapshot_id', 'unit_id', name=op.f('pk_snapshot_unit'))
    )


def downgrade():
    op.drop_table('snapshot_unit')
    with op.batch_alter_table('snapshot_official', schema=None) as batch_op:
        batch_op.drop_index('ix_snapshot_official_unit')

    op.drop_table('snapshot_official')
    op.drop_table('snapshot_course')
    with op.batch_alter_table('scoring_policy', schema=None) as batch_op:
        batch_op.drop_index('uq_scoring_policy_active', sqlite_where=sa.text('active'), postgresql_where=sa.text('active'))

    op.drop_table('scoring_policy')
    with op.batch_alter_table('score_snapshot', schema=None) as batch_op:
        batch_op.drop_index('uq_score_snapshot_open', sqlite_where=sa.text('reopened_at IS NULL'), postgresql_where=sa.text('reopened_at IS NULL'))

    op.drop_table('score_snapshot')
