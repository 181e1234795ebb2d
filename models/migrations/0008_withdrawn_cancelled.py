from tortoise import migrations
from tortoise.migrations import operations as ops
from models.outbox import OutboxStatus
from models.reward import ClaimStatus
from tortoise import fields
from models.migration_ops import AlterChoices

class Migration(migrations.Migration):
    dependencies = [('models', '0007_account_sessions')]

    initial = False

    operations = [
        AlterChoices(
            model_name='OutboxMessage',
            name='status',
            field=fields.CharEnumField(default=OutboxStatus.pending, description='pending: pending\nsending: sending\nsent: sent\ndelivered: delivered\nfailed: failed\ndead: dead\nsuppressed: suppressed\ncancelled: cancelled', enum_type=OutboxStatus, max_length=12),
        ),
        AlterChoices(
            model_name='RewardClaim',
            name='status',
            field=fields.CharEnumField(default=ClaimStatus.open, description='open: open\neligible: eligible\nineligible: ineligible\nduplicate: duplicate\nsecond_approval: second_approval\napproved: approved\ndenied: denied\npaid: paid\nexpired: expired\nwithdrawn: withdrawn', enum_type=ClaimStatus, max_length=16),
        ),
    ]
