"""Each recipient link becomes an inbox row with copies of the columns the inbox filters by.

Django cannot give an existing many-to-many field a ``through`` model, so the rows are made in
a new table, filled from the old link table, and the old table is dropped while the field's
state moves to the new model.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


COPIED = ("facility_id", "received_at", "priority", "status", "acknowledge_by", "assigned_to_id")


def copy_links(apps, schema_editor):
    Complaint = apps.get_model("complaints", "Complaint")
    Row = apps.get_model("complaints", "ComplaintRecipient")
    links = Complaint._meta.get_field("recipients").remote_field.through.objects
    batch = []
    for link in links.select_related("complaint").iterator(chunk_size=2000):
        batch.append(Row(complaint_id=link.complaint_id, organisation_id=link.organisation_id,
                         **{name: getattr(link.complaint, name) for name in COPIED}))
        if len(batch) >= 2000:
            Row.objects.bulk_create(batch)
            batch = []
    Row.objects.bulk_create(batch)


def copy_rows_back(apps, schema_editor):
    Complaint = apps.get_model("complaints", "Complaint")
    Row = apps.get_model("complaints", "ComplaintRecipient")
    through = Complaint._meta.get_field("recipients").remote_field.through
    through.objects.bulk_create(
        [through(complaint_id=c, organisation_id=o) for c, o in Row.objects.values_list("complaint_id", "organisation_id")])


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0005_audit_password_set_from_link'),
        ('complaints', '0003_unlock_failures_are_events'),
        ('facilities', '0006_registrychange_drop_ledger_index'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='ComplaintRecipient',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('received_at', models.DateTimeField()),
                ('priority', models.CharField(choices=[('urgent', 'Urgent'), ('standard', 'Standard')], max_length=16)),
                ('status', models.CharField(choices=[('received', 'Received'), ('acknowledged', 'Acknowledged'), ('under_review', 'Under review'), ('visit_requested', 'Visit requested'), ('referred_to_prosecutor', 'Referred to prosecutor'), ('resolved', 'Resolved'), ('rejected', 'Rejected')], max_length=32)),
                ('acknowledge_by', models.DateTimeField(blank=True, null=True)),
                ('assigned_to', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('complaint', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='inbox_rows', to='complaints.complaint')),
                ('facility', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='facilities.facility')),
                ('organisation', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.organisation')),
            ],
        ),
        migrations.RunPython(copy_links, copy_rows_back),
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RemoveField(model_name='complaint', name='recipients')],
            state_operations=[migrations.AlterField(
                model_name='complaint',
                name='recipients',
                field=models.ManyToManyField(related_name='sealed_complaints', through='complaints.ComplaintRecipient', to='accounts.organisation'),
            )],
        ),
        migrations.AddIndex(
            model_name='complaintrecipient',
            index=models.Index(fields=['organisation', 'received_at', 'facility'], name='inbox_received'),
        ),
        migrations.AddIndex(
            model_name='complaintrecipient',
            index=models.Index(fields=['organisation', 'facility', 'received_at'], name='inbox_facility'),
        ),
        migrations.AddIndex(
            model_name='complaintrecipient',
            index=models.Index(fields=['organisation', 'status', 'received_at', 'facility', 'acknowledge_by'], name='inbox_status'),
        ),
        migrations.AddIndex(
            model_name='complaintrecipient',
            index=models.Index(fields=['organisation', 'priority', 'status', 'received_at', 'facility'], name='inbox_priority'),
        ),
        migrations.AddIndex(
            model_name='complaintrecipient',
            index=models.Index(fields=['organisation', 'assigned_to', 'received_at', 'facility'], name='inbox_assigned'),
        ),
        migrations.AddConstraint(
            model_name='complaintrecipient',
            constraint=models.UniqueConstraint(fields=('complaint', 'organisation'), name='complaint_recipient_unique'),
        ),
    ]
