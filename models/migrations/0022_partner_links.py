from tortoise import migrations
from tortoise.migrations import operations as ops
from models.case import Channel
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index
from models.migration_ops import AlterChoices

class Migration(migrations.Migration):
    """Partner systems: the cases they transferred in under their own external id (one per
    partner and id), key and webhook-secret rotation with an overlap, the intake channel ``110``,
    and an index for a partner's webhook deliveries in the outbox."""

    dependencies = [('models', '0021_payout_code_sealed')]

    initial = False

    operations = [
        ops.CreateModel(
            name='PartnerCase',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('partner', fields.ForeignKeyField('models.Partner', source_field='partner_id', db_constraint=True, to_field='id', related_name='cases', on_delete=OnDelete.RESTRICT)),
                ('external_id', fields.CharField(max_length=64)),
                ('case', fields.ForeignKeyField('models.Case', source_field='case_id', db_constraint=True, to_field='id', related_name='partner_links', on_delete=OnDelete.RESTRICT)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'partner_case', 'app': 'models', 'unique_together': (('partner', 'external_id'),), 'indexes': [Index(fields=['case_id'])], 'pk_attr': 'id', 'table_description': 'A case a partner transferred in (``POST /partner/cases``) under its own ``external_id``:'},
            bases=['Model'],
        ),
        AlterChoices(
            model_name='Case',
            name='channel',
            field=fields.CharEnumField(description='app: app\nwechat_mini: wechat_mini\nwechat_oa: wechat_oa\nkiosk: kiosk\nweb: web\nphone: phone\nletter: letter\nvisit: visit\npartner: partner\npolice_110: 110', enum_type=Channel, max_length=16),
        ),
        ops.AddIndex(
            model_name='OutboxMessage',
            index=Index(fields=['recipient_kind', 'recipient_id']),
        ),
        ops.AddField(
            model_name='Partner',
            name='old_key_digest',
            field=fields.CharField(null=True, db_index=True, max_length=64),
        ),
        ops.AddField(
            model_name='Partner',
            name='old_key_until',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Partner',
            name='old_secret_enc',
            field=fields.TextField(null=True, unique=False),
        ),
        ops.AddField(
            model_name='Partner',
            name='old_secret_until',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        # AddField leaves db_index to the model: the index by hand, as 0009 does
        ops.RunSQL(
            'CREATE INDEX IF NOT EXISTS "idx_partner_old_key_digest" ON "partner" ("old_key_digest")',
            'DROP INDEX IF EXISTS "idx_partner_old_key_digest"',
        ),
    ]
