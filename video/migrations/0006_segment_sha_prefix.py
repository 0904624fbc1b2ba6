"""Segments are found by an indexed 60-bit prefix of their file's SHA-256 instead of an index on
the 64-character hash, and the camera's own index goes (the unique (camera, seq) and the
(camera, start) index lead with it). Existing rows get their prefix here, before 0007 makes it
required and indexed (a migration of its own: PostgreSQL does not alter a table with updates
pending in the same transaction)."""

from django.db import migrations, models


def fill_prefixes(apps, schema_editor):
    Segment = apps.get_model("video", "Segment")
    pending = Segment.objects.filter(sha_prefix__isnull=True).only("pk", "sha256")
    while batch := list(pending[:2000]):
        for segment in batch:
            segment.sha_prefix = int(segment.sha256[:15], 16)
        Segment.objects.bulk_update(batch, ["sha_prefix"])


class Migration(migrations.Migration):

    dependencies = [
        ("video", "0005_tamper_event_codes"),
    ]

    operations = [
        migrations.AddField(
            model_name="segment",
            name="sha_prefix",
            field=models.BigIntegerField(null=True),
        ),
        migrations.RunPython(fill_prefixes, migrations.RunPython.noop, elidable=True),
    ]
