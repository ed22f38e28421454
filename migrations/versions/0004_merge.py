"""Merge the evaluation and publication branches into one line of history.

Revision ID: 0004_merge
Revises: 0002_evaluation, 0003_publication
Create Date: 2026-11-23
"""

from __future__ import annotations

revision = "0004_merge"
down_revision = ("0002_evaluation", "0003_publication")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
