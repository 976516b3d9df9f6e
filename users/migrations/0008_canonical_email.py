"""Store every address in its canonical spelling (users/email_address.py).

The case-insensitive functional index on ``lower(email)`` goes: the stored
column is lower-case ASCII, so its plain unique index decides, the same on
SQLite and PostgreSQL. Existing rows are rewritten to their canonical form,
oldest account first. Nothing is deleted or merged: a row whose address has no
canonical spelling (an invisible character, a non-ASCII or quoted local part)
or whose canonical form another account already holds (a look-alike) keeps its
stored text, which no login, reset or lookup can reach any more, and is listed
in the output of ``migrate`` for staff to sort out in the admin. A pending
email change to such an address is dropped (and listed); the user can ask again.
"""

import logging

from django.db import migrations

import users.models
from users.email_address import canonical_email_or_none

logger = logging.getLogger("users.migrations")


def canonicalise_addresses(apps, schema_editor):
    User = apps.get_model("users", "User")
    rows = list(User.objects.order_by("id").values_list("id", "email", "pending_email"))
    # An address already in canonical form keeps it: that row is the one every
    # lookup of the address found before, and it needs no change.
    holder = {email: pk for pk, email, _ in rows if canonical_email_or_none(email) == email}
    problems = []
    for pk, email, pending in rows:
        canonical = canonical_email_or_none(email)
        if canonical is None:
            problems.append(f"user {pk}: the address has no canonical spelling; left as is")
        elif canonical != email:
            owner = holder.setdefault(canonical, pk)
            if owner == pk:
                User.objects.filter(pk=pk).update(email=canonical)
            else:
                problems.append(
                    f"user {pk}: the address is a spelling of user {owner}'s; left as is"
                )
        if pending:
            pending_canonical = canonical_email_or_none(pending)
            if pending_canonical is None:
                problems.append(f"user {pk}: pending email change dropped (no canonical spelling)")
                User.objects.filter(pk=pk).update(pending_email="")
            elif pending_canonical != pending:
                User.objects.filter(pk=pk).update(pending_email=pending_canonical)
    for problem in problems:
        # Ids only: the report must not put addresses into deploy logs.
        logger.warning("canonical email migration: %s", problem)
        print(f"\n  canonical email: {problem}", end="")


class Migration(migrations.Migration):

    dependencies = [
        ('users', '0007_session_lifetime_and_reuse_interval'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='user',
            name='users_user_email_ci_unique',
        ),
        migrations.AlterField(
            model_name='user',
            name='email',
            field=users.models.CanonicalEmailField(max_length=254, unique=True, verbose_name='email address'),
        ),
        migrations.AlterField(
            model_name='user',
            name='pending_email',
            field=users.models.CanonicalEmailField(blank=True, max_length=254),
        ),
        migrations.RunPython(canonicalise_addresses, migrations.RunPython.noop),
    ]
