"""curriculum library, plans and deliveries (owned by the curriculum work)

Revision ID: 0004
Revises: 0003

Topic versions are the text a delivered topic was taught from, so the database itself refuses to
UPDATE them: editing a topic appends a new version instead.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import facilitator.models.base
from facilitator.storage import guards

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


_GUARD = next(g for g in guards.GUARDS if g.name == "topic_versions_no_update")


def upgrade() -> None:
    op.create_table('curriculum_modules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('approach', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('core', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('retired', sa.Boolean(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('created_at', facilitator.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', facilitator.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_curriculum_modules_created_by_id_users')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_curriculum_modules_updated_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_curriculum_modules')),
    sa.UniqueConstraint('key', name=op.f('uq_curriculum_modules_key'))
    )
    op.create_table('curriculum_topics',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('module_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('retired', sa.Boolean(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('created_at', facilitator.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', facilitator.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_curriculum_topics_created_by_id_users')),
    sa.ForeignKeyConstraint(['module_id'], ['curriculum_modules.id'], name=op.f('fk_curriculum_topics_module_id_curriculum_modules')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_curriculum_topics_updated_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_curriculum_topics')),
    sa.UniqueConstraint('key', name=op.f('uq_curriculum_topics_key'))
    )
    with op.batch_alter_table('curriculum_topics', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_curriculum_topics_module_id'), ['module_id'], unique=False)

    op.create_table('rotation_plans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('cycle_weeks', sa.Integer(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('created_at', facilitator.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', facilitator.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_rotation_plans_created_by_id_users')),
    sa.ForeignKeyConstraint(['group_id'], ['groups.id'], name=op.f('fk_rotation_plans_group_id_groups')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_rotation_plans_updated_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rotation_plans')),
    sa.UniqueConstraint('group_id', name=op.f('uq_rotation_plans_group_id'))
    )
    op.create_table('topic_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('topic_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('duration_min', sa.Integer(), nullable=False),
    sa.Column('objectives', sa.JSON(), nullable=False),
    sa.Column('key_points', sa.JSON(), nullable=False),
    sa.Column('activity', sa.Text(), nullable=False),
    sa.Column('discussion_prompts', sa.JSON(), nullable=False),
    sa.Column('homework', sa.Text(), nullable=False),
    sa.Column('handout', sa.Text(), nullable=False),
    sa.Column('intervention_phrases', sa.JSON(), nullable=False),
    sa.Column('created_at', facilitator.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_topic_versions_created_by_id_users')),
    sa.ForeignKeyConstraint(['topic_id'], ['curriculum_topics.id'], name=op.f('fk_topic_versions_topic_id_curriculum_topics')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_topic_versions')),
    sa.UniqueConstraint('topic_id', 'version', name=op.f('uq_topic_versions_topic_id'))
    )
    with op.batch_alter_table('topic_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_topic_versions_topic_id'), ['topic_id'], unique=False)

    op.create_table('rotation_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('week', sa.Integer(), nullable=False),
    sa.Column('weekday', sa.Integer(), nullable=False),
    sa.Column('slot', sa.Integer(), nullable=False),
    sa.Column('topic_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['rotation_plans.id'], name=op.f('fk_rotation_entries_plan_id_rotation_plans')),
    sa.ForeignKeyConstraint(['topic_id'], ['curriculum_topics.id'], name=op.f('fk_rotation_entries_topic_id_curriculum_topics')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rotation_entries')),
    sa.UniqueConstraint('plan_id', 'week', 'weekday', 'slot', name=op.f('uq_rotation_entries_plan_id'))
    )
    with op.batch_alter_table('rotation_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rotation_entries_plan_id'), ['plan_id'], unique=False)

    op.create_table('topic_deliveries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('segment_id', sa.Integer(), nullable=True),
    sa.Column('topic_id', sa.Integer(), nullable=False),
    sa.Column('topic_version_id', sa.Integer(), nullable=False),
    sa.Column('delivered_at', facilitator.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_at', facilitator.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', facilitator.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_topic_deliveries_created_by_id_users')),
    sa.ForeignKeyConstraint(['segment_id'], ['segments.id'], name=op.f('fk_topic_deliveries_segment_id_segments')),
    sa.ForeignKeyConstraint(['session_id'], ['group_sessions.id'], name=op.f('fk_topic_deliveries_session_id_group_sessions')),
    sa.ForeignKeyConstraint(['topic_id'], ['curriculum_topics.id'], name=op.f('fk_topic_deliveries_topic_id_curriculum_topics')),
    sa.ForeignKeyConstraint(['topic_version_id'], ['topic_versions.id'], name=op.f('fk_topic_deliveries_topic_version_id_topic_versions')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_topic_deliveries_updated_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_topic_deliveries'))
    )
    with op.batch_alter_table('topic_deliveries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_topic_deliveries_segment_id'), ['segment_id'], unique=False)
        batch_op.create_index('ix_topic_deliveries_session_topic', ['session_id', 'topic_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_topic_deliveries_topic_id'), ['topic_id'], unique=False)

    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            """
            CREATE TRIGGER topic_versions_no_update
            BEFORE UPDATE ON topic_versions
            BEGIN
                SELECT RAISE(ABORT, 'topic versions are immutable; add a new version');
            END
            """
        )
    else:  # PostgreSQL: the same guard as a PL/pgSQL trigger
        for statement in guards.create_sql(_GUARD, op.get_bind().dialect.name):
            op.execute(statement)


def downgrade() -> None:
    for statement in guards.drop_sql(_GUARD, op.get_bind().dialect.name):
        op.execute(statement)
    for table in ("topic_deliveries", "rotation_entries", "rotation_plans", "topic_versions",
                  "curriculum_topics", "curriculum_modules"):
        op.drop_table(table)
