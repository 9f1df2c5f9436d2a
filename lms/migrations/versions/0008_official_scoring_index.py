"""scoring: officials indexed with what the year's scores read

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-22 04:10:00

The year's scores read every active official's id, unit, staff category and creation time,
in id order, alongside their completions (indexed by official in 0007). On PostgreSQL, reading
these five columns from an index instead of the table (whose rows also hold names, e-mail and
a password hash) reads a fifth of the pages (measured in docs/benchmarks.md).
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_official_scoring', 'official',
                    ['id', 'unit_id', 'staff_category', 'created_at', 'active'], unique=False)


def downgrade():
    op.drop_index('ix_official_scoring', table_name='official')
