"""The segment's SHA-256 prefix required and indexed, the 64-character hash and the camera no longer
indexed on their own (see 0006)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("video", "0006_segment_sha_prefix"),
    ]

    operations = [
        migrations.AlterField(
            model_name="segment",
            name="sha_prefix",
            field=models.BigIntegerField(db_index=True),
        ),
        migrations.AlterField(
            model_name="segment",
            name="sha256",
            field=models.CharField(max_length=64),
        ),
        migrations.AlterField(
            model_name="segment",
            name="camera",
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT,
                                    related_name="segments", to="video.camera"),
        ),
    ]
