"""Account administration: an audit table, token expiry and last use, per-organisation second
factor, temporary passwords, the administrator role.

Tokens issued before expiry existed get 90 days from their issue (an expired one is refused, so
a long-forgotten token stops working rather than living for ever).
"""

import datetime

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def expire_existing_tokens(apps, schema_editor):
    ApiToken = apps.get_model("accounts", "ApiToken")
    for token in ApiToken.objects.filter(expires_at__isnull=True).only("pk", "created_at"):
        ApiToken.objects.filter(pk=token.pk).update(expires_at=token.created_at + datetime.timedelta(days=90))


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0003_commission_has_region'),
    ]

    operations = [
        migrations.AddField(
            model_name='apitoken',
            name='expires_at',
            field=models.DateTimeField(null=True),
        ),
        migrations.RunPython(expire_existing_tokens, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='apitoken',
            name='expires_at',
            field=models.DateTimeField(),
        ),
        migrations.AddField(
            model_name='apitoken',
            name='last_used_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='organisation',
            name='requires_two_factor',
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name='user',
            name='must_change_password',
            field=models.BooleanField(default=False),
        ),
        migrations.AlterField(
            model_name='user',
            name='role',
            field=models.CharField(choices=[('monitor', 'Monitor'), ('analyst', 'Analyst'), ('facility_officer', 'Facility officer'), ('administrator', 'Administrator')], default='monitor', max_length=32),
        ),
        migrations.CreateModel(
            name='AccountAuditRecord',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('at', models.DateTimeField(db_index=True, default=django.utils.timezone.now)),
                ('action', models.CharField(choices=[('organisation:created', 'Organisation created'), ('organisation:updated', 'Organisation changed'), ('user:created', 'User created'), ('user:updated', 'User changed'), ('user:deactivated', 'User deactivated'), ('user:reactivated', 'User reactivated'), ('user:password:reset', 'Password reset'), ('user:password:changed', 'Password changed'), ('token:issued', 'API token issued'), ('token:revoked', 'API token revoked'), ('two_factor:enrolled', 'Two-factor authentication set up'), ('two_factor:removed', 'Two-factor authentication removed')], max_length=40)),
                ('changes', models.JSONField(blank=True, default=dict)),
                ('actor', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('organisation', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='audit_records', to='accounts.organisation')),
                ('token', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.apitoken')),
                ('user', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='audit_records', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['-at', '-id'],
            },
        ),
    ]
