import json
from datetime import UTC, datetime

from tortoise import migrations
from tortoise.migrations import operations as ops
from orjson import loads
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields
from tortoise.indexes import Index


async def _login_attempts_into_the_audit_log(apps, schema_editor):
    """The chain's head row, and the sign-in records of migration 0005 as the audit log's first
    entries (``staff.login``), chained in the order they happened."""
    from audit.log import CHAIN_KEY, NO_UNIT, link_fields
    from hotline import chain
    from hotline.db import dialect_sql

    client = schema_editor.client
    sqlite = client.capabilities.dialect == "sqlite"
    _, rows = await client.execute_query(
        'SELECT a.at, a.username, a.staff_id, a.ip, a.result, u.path FROM staff_login_attempt a '
        'LEFT JOIN staff s ON s.id = a.staff_id LEFT JOIN unit u ON u.id = s.unit_id '
        'ORDER BY a.id'
    )
    last, count = None, 0
    insert = dialect_sql(client, (
        'INSERT INTO audit_entry (seq, at, actor, actor_id, action, target, scope_path, before, '
        'after, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)'
    ))
    for row in rows:
        at = row["at"]
        if isinstance(at, str):
            at = datetime.fromisoformat(at)
        if at.tzinfo is None:
            at = at.replace(tzinfo=UTC)
        after = {"result": row["result"], "ip": row["ip"]}
        target, scope = f"staff:{row['username']}", row["path"] or NO_UNIT
        fields_ = link_fields(at, row["username"], row["staff_id"], "staff.login", target, scope,
                              None, after)
        link = chain.append(CHAIN_KEY, last, count, fields_)
        await client.execute_query(insert, [
            link.seq, at.isoformat() if sqlite else at, row["username"], row["staff_id"], "staff.login", target, scope, None,
            json.dumps(after), link.prev_hash, link.hash,
        ])
        last, count = link.hash, link.seq
    await client.execute_query(
        dialect_sql(client, 'INSERT INTO audit_head (id, count, last_hash) VALUES (?, ?, ?)'),
        [1, count, last],
    )

class Migration(migrations.Migration):
    dependencies = [('models', '0009_missing_indexes')]

    initial = False

    operations = [
        ops.CreateModel(
            name='AuditEntry',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('seq', fields.BigIntField(unique=True)),
                ('at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('actor', fields.CharField(max_length=64)),
                ('actor_id', fields.IntField(null=True)),
                ('action', fields.CharField(max_length=48)),
                ('target', fields.CharField(max_length=128)),
                ('scope_path', fields.CharField(max_length=255)),
                ('before', fields.JSONField(null=True, encoder=JSON_DUMPS, decoder=loads)),
                ('after', fields.JSONField(null=True, encoder=JSON_DUMPS, decoder=loads)),
                ('prev_hash', fields.CharField(max_length=64)),
                ('hash', fields.CharField(max_length=64)),
            ],
            options={'table': 'audit_entry', 'app': 'models', 'indexes': [Index(fields=['actor', 'seq']), Index(fields=['action', 'seq']), Index(fields=['scope_path', 'seq'])], 'pk_attr': 'id', 'table_description': 'One link of the audit chain: ``{at, actor, action, target, before, after}``.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='AuditHead',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('count', fields.BigIntField(default=0)),
                ('last_hash', fields.CharField(null=True, max_length=64)),
            ],
            options={'table': 'audit_head', 'app': 'models', 'pk_attr': 'id', 'table_description': "The chain's head (one row, id 1): locked by every append, so links never fork."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='CacheGeneration',
            fields=[
                ('name', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=32)),
                ('value', fields.BigIntField(default=0)),
            ],
            options={'table': 'cache_generation', 'app': 'models', 'pk_attr': 'name', 'table_description': 'A counter per cached kind of reference data, raised by every change of it, so that every'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Category',
            name='active',
            field=fields.BooleanField(default=True),
        ),
        ops.AddField(
            model_name='Staff',
            name='must_change_password',
            field=fields.BooleanField(default=False),
        ),
        ops.AddField(
            model_name='Unit',
            name='active',
            field=fields.BooleanField(default=True),
        ),
        ops.RunPython(_login_attempts_into_the_audit_log),
        ops.DeleteModel(name='StaffLoginAttempt'),
    ]
