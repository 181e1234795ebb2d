from tortoise import migrations
from tortoise.migrations import operations as ops
from orjson import loads
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0002_lifecycle')]

    initial = False

    operations = [
        ops.CreateModel(
            name='AccessToken',
            fields=[
                ('appid', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=64)),
                ('token_enc', fields.TextField(unique=False)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'wechat_access_token', 'app': 'models', 'pk_attr': 'appid', 'table_description': 'A WeChat access token (stable_token), shared by all replicas when Redis is not used.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ChatDraft',
            fields=[
                ('openid', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=64)),
                ('texts', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('photo_ids', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('lat', fields.FloatField(null=True)),
                ('lng', fields.FloatField(null=True)),
                ('address', fields.CharField(null=True, max_length=255)),
                ('updated_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'wechat_chat_draft', 'app': 'models', 'pk_attr': 'openid', 'table_description': 'A case being filed by chat on the official account (随手拍), expiring after 30 minutes.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='DigestRun',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('kind', fields.CharField(max_length=16)),
                ('recipient', fields.CharField(max_length=64)),
                ('period', fields.CharField(max_length=16)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'digest_run', 'app': 'models', 'unique_together': (('kind', 'recipient', 'period'),), 'pk_attr': 'id', 'table_description': "A periodic e-mail already sent (a unit's daily digest, the supervisors' weekly summary)."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SeenMessage',
            fields=[
                ('key', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=128)),
                ('created_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=True)),
                ('reply', fields.TextField(default='', unique=False)),
            ],
            options={'table': 'wechat_seen_message', 'app': 'models', 'pk_attr': 'key', 'table_description': 'Official-account messages already handled (MsgId, or sender + CreateTime for events).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SubscriptionConsent',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('citizen_id', fields.BigIntField(db_index=True)),
                ('template_id', fields.CharField(max_length=64)),
                ('remaining', fields.IntField(default=0)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'wechat_subscription_consent', 'app': 'models', 'unique_together': (('citizen_id', 'template_id'),), 'pk_attr': 'id', 'table_description': 'One-time subscribe-message consents from the mini-program (each send spends one).'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Citizen',
            name='merged_into_id',
            field=fields.BigIntField(null=True),
        ),
        ops.AddField(
            model_name='Citizen',
            name='oa_followed_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Citizen',
            name='oa_follower',
            field=fields.BooleanField(default=False),
        ),
        ops.AddField(
            model_name='Citizen',
            name='session_key_enc',
            field=fields.TextField(null=True, unique=False),
        ),
        ops.AddField(
            model_name='OutboxMessage',
            name='delivered_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='OutboxMessage',
            name='provider_status',
            field=fields.CharField(null=True, max_length=64),
        ),
        ops.AddField(
            model_name='OutboxMessage',
            name='receipt_checked_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
    ]
