from tortoise import migrations
from tortoise.migrations import operations as ops
from models.outbox import OutboxStatus
from tortoise.fields.base import OnDelete
from tortoise import fields
from models.migration_ops import AlterChoices

class Migration(migrations.Migration):
    dependencies = [('models', '0005_staff_login_attempts')]

    initial = False

    operations = [
        ops.CreateModel(
            name='RealNameVerification',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('citizen', fields.ForeignKeyField('models.Citizen', source_field='citizen_id', db_constraint=True, to_field='id', related_name='verifications', on_delete=OnDelete.CASCADE)),
                ('method', fields.CharField(max_length=16)),
                ('staff_id', fields.IntField(null=True)),
                ('device_id', fields.IntField(null=True)),
                ('provider_ref', fields.CharField(null=True, max_length=128)),
                ('at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'real_name_verification', 'app': 'models', 'pk_attr': 'id', 'table_description': 'One real-name verification (append-only): who verified whom, how and when.'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Citizen',
            name='erased_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Citizen',
            name='id_number_enc',
            field=fields.TextField(null=True, unique=False),
        ),
        ops.AddField(
            model_name='Citizen',
            name='id_number_hash',
            field=fields.CharField(null=True, unique=True, max_length=64),
        ),
        ops.AddField(
            model_name='Citizen',
            name='notify_sms',
            field=fields.BooleanField(default=True),
        ),
        ops.AddField(
            model_name='Citizen',
            name='notify_wechat',
            field=fields.BooleanField(default=True),
        ),
        ops.AddField(
            model_name='Citizen',
            name='real_name_method',
            field=fields.CharField(null=True, max_length=16),
        ),
        ops.AddField(
            model_name='Citizen',
            name='real_name_verified_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        AlterChoices(
            model_name='OutboxMessage',
            name='status',
            field=fields.CharEnumField(default=OutboxStatus.pending, description='pending: pending\nsending: sending\nsent: sent\ndelivered: delivered\nfailed: failed\ndead: dead\nsuppressed: suppressed', enum_type=OutboxStatus, max_length=12),
        ),
    ]
