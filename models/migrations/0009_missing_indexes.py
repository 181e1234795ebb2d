from tortoise import migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    """Indexes the models declared but earlier migrations never created: one reward claim per
    case (``RewardClaim.case`` is unique) and the staff phone lookup (``Staff.phone_hash``).
    tests/models/test_indexes.py checks every declared index exists after the migrations."""

    dependencies = [('models', '0008_withdrawn_cancelled')]

    initial = False

    operations = [
        ops.RunSQL(
            'CREATE UNIQUE INDEX IF NOT EXISTS "uid_reward_claim_case_id" ON "reward_claim" ("case_id")',
            'DROP INDEX IF EXISTS "uid_reward_claim_case_id"',
        ),
        ops.RunSQL(
            'CREATE INDEX IF NOT EXISTS "idx_staff_phone_hash" ON "staff" ("phone_hash")',
            'DROP INDEX IF EXISTS "idx_staff_phone_hash"',
        ),
    ]
