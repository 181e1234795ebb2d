from tortoise import migrations
from tortoise.migrations import operations as ops
from models.outbox import OutboxStatus
from models.reward import ClaimStatus
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0006_citizen_identity')]

    initial = False

    operations = [
        ops.AlterField(
            model_name='OutboxMessage',
            name='status',
            field=fields.CharEnumField(default=OutboxStatus.pending, description='pending: pending\nsending: sending\nsent: sent\ndelivered: delivered\nfailed: failed\ndead: dead\nsuppressed: suppressed\ncancelled: cancelled', enum_type=OutboxStatus, max_length=12),
        ),
        ops.AlterField(
            model_name='RewardClaim',
            name='status',
            field=fields.CharEnumField(default=ClaimStatus.open, description='open: open\neligible: eligible\nineligible: ineligible\nduplicate: duplicate\nsecond_approval: second_approval\napproved: approved\ndenied: denied\npaid: paid\nexpired: expired\nwithdrawn: withdrawn', enum_type=ClaimStatus, max_length=16),
        ),
    ]
