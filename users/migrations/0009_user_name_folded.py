"""Give staff name search a case-folded column (users/search_text.py).

``icontains`` left case folding to the database, which SQLite and PostgreSQL do
differently beyond ASCII; the new column holds the name folded in Python, and
search compares it with a folded term. Existing rows are filled here, in
batches; new writes keep it in step (``users.models.FoldedTextField``).
"""

from django.db import migrations

import users.models
from users.search_text import fold

BATCH = 500


def fill_name_folded(apps, schema_editor):
    User = apps.get_model("users", "User")
    named = User.objects.exclude(name="").only("id", "name").order_by("id")
    batch = []
    for user in named.iterator(chunk_size=BATCH):
        user.name_folded = fold(user.name)
        batch.append(user)
        if len(batch) == BATCH:
            User.objects.bulk_update(batch, ["name_folded"])
            batch = []
    User.objects.bulk_update(batch, ["name_folded"])


class Migration(migrations.Migration):
    dependencies = [
        ("users", "0008_canonical_email"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="name_folded",
            field=users.models.FoldedTextField(
                blank=True, default="", editable=False, source="name"
            ),
        ),
        migrations.RunPython(fill_name_folded, migrations.RunPython.noop),
    ]
