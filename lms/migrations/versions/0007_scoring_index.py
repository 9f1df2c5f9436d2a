"""scoring: completions indexed with what the year's scores read

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-21 23:40:00

The year's scores probe course_completion once per official and mandatory course, by
(official_id, course_id), and read completed_at and best_percent. With those two columns in
the index the probe never visits the table (measured in docs/benchmarks.md).
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_course_completion_scoring', 'course_completion',
                    ['official_id', 'course_id', 'completed_at', 'best_percent'], unique=False)


def downgrade():
    op.drop_index('ix_course_completion_scoring', table_name='course_completion')
