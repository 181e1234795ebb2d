from tortoise import migrations
from tortoise.migrations import operations as ops
from models.audit import LoginResult
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0004_rewards')]

    initial = False

    operations = [
        ops.CreateModel(
            name='StaffLoginAttempt',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('username', fields.CharField(max_length=64)),
                ('staff_id', fields.IntField(null=True, db_index=True)),
                ('ip', fields.CharField(max_length=64)),
                ('result', fields.CharEnumField(description='success: success\nwrong_password: wrong_password\nunknown_user: unknown_user\ninactive: inactive\nlocked: locked', enum_type=LoginResult, max_length=16)),
            ],
            options={'table': 'staff_login_attempt', 'app': 'models', 'indexes': [Index(fields=['username', 'at'])], 'pk_attr': 'id', 'table_description': 'One ``POST /auth/staff-login``, whatever its outcome (append-only).'},
            bases=['Model'],
        ),
    ]
