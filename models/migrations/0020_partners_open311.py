from tortoise import migrations
from tortoise.migrations import operations as ops
from models.case import Channel
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields
from models.migration_ops import AlterChoices

class Migration(migrations.Migration):
    """Partner systems (keys, scopes, webhook targets) and the cases they filed through Open311;
    the intake channel ``partner``."""

    dependencies = [('models', '0019_publishing')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Partner',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(max_length=64)),
                ('scopes', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('unit', fields.ForeignKeyField('models.Unit', source_field='unit_id', null=True, db_constraint=True, to_field='id', related_name='partners', on_delete=OnDelete.RESTRICT)),
                ('webhook_url', fields.CharField(null=True, max_length=512)),
                ('webhook_secret_enc', fields.TextField(unique=False)),
                ('key_digest', fields.CharField(unique=True, max_length=64)),
                ('active', fields.BooleanField(default=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'partner', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A system with an API key: only a keyed digest of the key and the sealed webhook secret.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PartnerSubmission',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('token', fields.CharField(unique=True, max_length=40)),
                ('partner', fields.ForeignKeyField('models.Partner', source_field='partner_id', db_constraint=True, to_field='id', related_name='submissions', on_delete=OnDelete.RESTRICT)),
                ('case', fields.ForeignKeyField('models.Case', source_field='case_id', db_constraint=True, to_field='id', related_name='partner_submissions', on_delete=OnDelete.RESTRICT)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'partner_submission', 'app': 'models', 'unique_together': (('partner', 'case'),), 'pk_attr': 'id', 'table_description': 'A case a partner filed through Open311, and the token it was given for it.'},
            bases=['Model'],
        ),
        AlterChoices(
            model_name='Case',
            name='channel',
            field=fields.CharEnumField(description='app: app\nwechat_mini: wechat_mini\nwechat_oa: wechat_oa\nkiosk: kiosk\nweb: web\nphone: phone\nletter: letter\nvisit: visit\npartner: partner', enum_type=Channel, max_length=16),
        ),
    ]
