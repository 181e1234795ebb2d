from tortoise import migrations
from tortoise.migrations import operations as ops
from models.outbox import OutboxStatus
from models.reward import ClaimStatus
from tortoise import fields

class AlterChoices(ops.AlterField):
    """A new value of a CharEnumField: only the documented choices change, the column (a
    varchar long enough) stays as it is. A plain AlterField makes SQLite rebuild the table,
    which drops the table's indexes."""

    async def database_forward(self, app_label, old_state, new_state, state_editor=None):
        return None

    async def database_backward(self, app_label, old_state, new_state, state_editor=None):
        return None


class Migration(migrations.Migration):
    dependencies = [('models', '0006_citizen_identity')]

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
