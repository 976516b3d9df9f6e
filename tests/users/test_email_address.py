"""One address, one spelling: the canonical email on every path that takes one.

The reproductions of issue 10, item 7 (``name@example.com`` + U+200B, a dotless
i (U+0131) in the local part, a quoted local part each made a second account) and
their neighbours, through the rule itself, the services, both surfaces' email
change and staff search, the model layer, the Django admin's forms,
``createsuperuser``, and the data migration that rewrites existing rows.
"""

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from graphql_relay import to_global_id
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.graphql.client import GraphQLClient
from tests.rest.utils import client_for, codes
from tests.rest.utils import login as rest_login
from users import messages, services
from users.email_address import (
    InvalidEmailAddress,
    canonical_email,
    email_search_fragment,
    same_address,
)
from users.errors import ErrorCode, ServiceError
from users.models import User

pytestmark = pytest.mark.django_db

STRONG = "a-long-unusual-passphrase-42"

#: Spellings refused outright: (what, address).
REFUSED = [
    ("zero-width space (the reproduction)", "name@example.com\u200b"),
    ("dotless i in the local part (the reproduction)", "n\u0131me@example.com"),
    ("quoted local part (the reproduction)", '"name"@example.com'),
    ("quoted local part with a space", '"na me"@example.com'),
    ("zero-width joiner", "na\u200dme@example.com"),
    ("zero-width non-joiner in the domain", "name@exam\u200cple.com"),
    ("byte order mark", "\ufeffname@example.com"),
    ("left-to-right mark", "name\u200e@example.com"),
    ("right-to-left override", "name@example.com\u202e"),
    ("bidi isolate", "name@\u2066example.com"),
    ("soft hyphen", "name@exam\u00adple.com"),
    ("word joiner", "name\u2060@example.com"),
    ("cyrillic letter in the local part", "n\u0430me@example.com"),
    ("accented local part", "jos\u00e9@example.com"),
    ("fullwidth at sign", "name\uff20example.com"),
    ("space inside", "na me@example.com"),
    ("no-break space", "name@example.com\u00a0"),
    ("ideographic space", "\u3000name@example.com"),
    ("trailing dot in the domain", "name@example.com."),
    ("two dots in the domain", "name@example..com"),
    ("domain literal", "name@[192.0.2.1]"),
    ("display name", "Name <name@example.com>"),
    ("no domain dot", "name@localhost"),
    ("special-use domain", "name@example.test"),
    ("two at signs", "a@b@example.com"),
    ("no at sign", "name.example.com"),
    ("too long", "x" * 250 + "@example.com"),
]

#: Spellings of one address: each must give the same canonical form.
SAME = [
    ("name@example.com", "name@example.com"),
    ("NAME@EXAMPLE.COM", "name@example.com"),
    ("  Name@Example.com ", "name@example.com"),
    ("name@\uff45\uff58\uff41\uff4d\uff50\uff4c\uff45.com", "name@example.com"),
    ("name@BÜCHER.de", "name@xn--bcher-kva.de"),
    ("name@bücher.de", "name@xn--bcher-kva.de"),
    ("name@xn--bcher-kva.de", "name@xn--bcher-kva.de"),
    ("NAME@XN--BCHER-KVA.DE", "name@xn--bcher-kva.de"),
    ("first.last+tag@sub.example.org", "first.last+tag@sub.example.org"),
]


# --- The rule ----------------------------------------------------------------------


@pytest.mark.parametrize(("what", "address"), REFUSED, ids=[w for w, _ in REFUSED])
def test_the_canonical_form_refuses_look_alikes(what, address):
    with pytest.raises(InvalidEmailAddress):
        canonical_email(address)


@pytest.mark.parametrize(("spelling", "canonical"), SAME)
def test_every_spelling_of_an_address_has_one_canonical_form(spelling, canonical):
    assert canonical_email(spelling) == canonical
    assert canonical_email(canonical) == canonical  # idempotent
    assert canonical.isascii()


def test_same_address_compares_canonical_forms():
    assert same_address("Name@BÜCHER.de", "name@xn--bcher-kva.de")
    assert not same_address("name@example.com\u200b", "name@example.com")
    assert not same_address("", "")


@pytest.mark.parametrize(
    ("term", "fragment"),
    [
        ("ADA", "ada"),
        ("  Bücher.DE ", "xn--bcher-kva.de"),
        ("name@BÜCHER.de", "name@xn--bcher-kva.de"),
        ("n\u0131me@example.com", None),
    ],
)
def test_a_search_term_is_spelled_as_stored_addresses_are(term, fragment):
    assert email_search_fragment(term) == fragment


# --- Services ----------------------------------------------------------------------


@pytest.mark.parametrize(("what", "address"), REFUSED, ids=[w for w, _ in REFUSED])
def test_register_refuses_a_look_alike_with_email_invalid(meta, what, address):
    UserFactory(email="name@example.com")
    with pytest.raises(ServiceError) as caught:
        services.register(email=address, password=STRONG, meta=meta)
    assert [(e.code, e.field) for e in caught.value.errors] == [
        (ErrorCode.EMAIL_INVALID, "email")
    ]
    assert User.objects.count() == 1


@pytest.mark.parametrize(("spelling", "canonical"), SAME)
def test_register_finds_every_spelling_of_a_taken_address(meta, spelling, canonical):
    UserFactory(email=canonical)
    with pytest.raises(ServiceError) as caught:
        services.register(email=spelling, password=STRONG, meta=meta)
    assert caught.value.code == ErrorCode.EMAIL_TAKEN
    assert User.objects.count() == 1


def test_an_idn_domain_is_stored_in_its_punycode_form(meta):
    user = services.register(email="Name@BÜCHER.de", password=STRONG, meta=meta)
    assert User.objects.get(pk=user.pk).email == "name@xn--bcher-kva.de"
    pair = services.login(email="name@bücher.DE", password=STRONG, meta=meta)
    assert pair.session.user_id == user.pk


def test_login_with_a_look_alike_is_email_invalid_and_costs_no_attempt(
    user, meta, settings
):
    settings.RATE_LIMITS = {"login": ["1/m email"]}
    with pytest.raises(ServiceError) as caught:
        services.login(
            email=user.email + "\u200b", password=DEFAULT_PASSWORD, meta=meta
        )
    assert (caught.value.code, caught.value.field) == (ErrorCode.EMAIL_INVALID, "email")
    # The one attempt the budget allows is still there, for any spelling.
    services.login(email=user.email.upper(), password=DEFAULT_PASSWORD, meta=meta)


def test_a_reset_request_for_a_look_alike_is_email_invalid(user, meta, committed):
    with committed(), pytest.raises(ServiceError) as caught:
        services.request_password_reset(
            email='"' + user.email.replace("@", '"@'), meta=meta
        )
    assert caught.value.code == ErrorCode.EMAIL_INVALID


def test_an_email_change_to_a_look_alike_is_email_invalid(user, meta):
    with pytest.raises(ServiceError) as caught:
        services.update_profile(
            user=user,
            meta=meta,
            email="other@example.com\ufeff",
            password=DEFAULT_PASSWORD,
        )
    assert (caught.value.code, caught.value.field) == (ErrorCode.EMAIL_INVALID, "email")
    assert User.objects.get(pk=user.pk).pending_email == ""


def test_an_email_change_to_another_spelling_of_a_taken_address_is_email_taken(
    user, meta
):
    UserFactory(email="owner@xn--bcher-kva.de")
    with pytest.raises(ServiceError) as caught:
        services.update_profile(
            user=user, meta=meta, email="OWNER@bücher.de", password=DEFAULT_PASSWORD
        )
    assert caught.value.code == ErrorCode.EMAIL_TAKEN


def test_an_email_change_to_a_spelling_of_the_own_address_changes_nothing(user, meta):
    services.update_profile(user=user, meta=meta, email=user.email.upper())
    assert User.objects.get(pk=user.pk).pending_email == ""


def test_a_pending_email_is_stored_canonical(user, meta):
    services.update_profile(
        user=user, meta=meta, email="New@BÜCHER.de", password=DEFAULT_PASSWORD
    )
    assert User.objects.get(pk=user.pk).pending_email == "new@xn--bcher-kva.de"


# --- Surfaces: email change and staff search ---------------------------------------


def test_rest_email_change_to_a_look_alike_is_400_email_invalid(user):
    api = client_for(rest_login(user).access)
    response = api.patch(
        "/api/v1/users/me/",
        {"email": "n\u0131me@example.com", "password": DEFAULT_PASSWORD},
        format="json",
    )
    assert response.status_code == 400
    assert codes(response) == [("EMAIL_INVALID", "email")]


def test_graphql_email_change_to_a_look_alike_is_email_invalid(client, user):
    gql = GraphQLClient(client, rest_login(user).access)
    result = gql(
        """mutation ($input: UpdateProfileInput!) {
             updateProfile(input: $input) { errors { field code message } }
           }""",
        {"input": {"email": '"name"@example.com', "password": DEFAULT_PASSWORD}},
    )
    (error,) = result.data["updateProfile"]["errors"]
    assert (error["field"], error["code"]) == ("email", "EMAIL_INVALID")


def test_both_surfaces_answer_a_look_alike_with_the_domains_message(client):
    response = APIClient().post(
        "/api/v1/auth/register/",
        {"email": "name@example.com\u200b", "password": STRONG},
        format="json",
    )
    (rest_error,) = response.json()["errors"]
    result = GraphQLClient(client)(
        """mutation ($input: RegisterInput!) {
             register(input: $input) { errors { field code message } }
           }""",
        {"input": {"email": "name@example.com\u200b", "password": STRONG}},
    )
    (graphql_error,) = result.data["register"]["errors"]
    with pytest.raises(InvalidEmailAddress) as caught:
        canonical_email("name@example.com\u200b")
    expected = {
        "field": "email",
        "code": "EMAIL_INVALID",
        "message": messages.email_invalid(str(caught.value)),
    }
    assert rest_error == expected
    assert graphql_error == expected


def test_staff_search_finds_an_idn_address_by_any_spelling(staff):
    target = UserFactory(email="ada@xn--bcher-kva.de")
    UserFactory(email="other@example.com")
    api = client_for(rest_login(staff).access)
    for term in ("BÜCHER", "ada@Bücher.de", "xn--bcher", "ADA"):
        found = [
            u["id"]
            for u in api.get("/api/v1/users/", {"search": term}).json()["results"]
        ]
        assert found == [to_global_id("User", target.pk)], term


# --- Model layer: manager, raw writes, the admin, createsuperuser ------------------


def test_the_manager_refuses_a_look_alike():
    with pytest.raises(InvalidEmailAddress):
        User.objects.create_user("name@example.com\u200b", "long-enough-password")


def test_a_raw_bulk_write_is_canonicalised_and_meets_the_unique_index():
    User.objects.create_user("name@xn--bcher-kva.de", "long-enough-password")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.bulk_create([User(email="NAME@BÜCHER.de")])
    assert User.objects.count() == 1


def test_lookups_of_a_look_alike_find_nothing_whatever_a_row_holds(user):
    # A legacy row the migration had to leave alone (written past the field).
    User.objects.filter(pk=user.pk).update(email="name@example.com\u200b")
    assert not User.objects.by_email("name@example.com\u200b").exists()
    with pytest.raises(User.DoesNotExist):
        User.objects.get_by_natural_key("name@example.com\u200b")


@pytest.fixture
def admin_client(client):
    admin = UserFactory(is_staff=True, is_superuser=True, email="admin@example.com")
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": admin.email, "password": DEFAULT_PASSWORD},
    )
    assert response.status_code == 302
    return client


def _admin_add(admin_client, email):
    return admin_client.post(
        "/admin/users/user/add/",
        {"email": email, "password1": STRONG, "password2": STRONG},
    )


def test_the_admin_add_form_refuses_a_look_alike(admin_client):
    UserFactory(email="name@example.com")
    for email in (
        "name@example.com\u200b",
        "n\u0131me@example.com",
        '"name"@example.com',
    ):
        response = _admin_add(admin_client, email)
        assert response.status_code == 200, email
        assert response.context["adminform"].form.errors["email"], email
    assert not User.objects.exclude(email__in=["admin@example.com", "name@example.com"])


def test_the_admin_add_form_stores_the_canonical_form_and_sees_it_taken(admin_client):
    assert _admin_add(admin_client, "New@BÜCHER.de").status_code == 302
    assert User.objects.filter(email="new@xn--bcher-kva.de").exists()
    again = _admin_add(admin_client, "NEW@xn--bcher-kva.de")
    assert again.status_code == 200
    assert again.context["adminform"].form.errors["email"]


def test_the_admin_login_with_a_look_alike_is_a_refusal_not_a_500(client):
    staff = UserFactory(is_staff=True, is_superuser=True, email="root@example.com")
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": staff.email + "\u200b", "password": DEFAULT_PASSWORD},
    )
    assert response.status_code == 200
    assert client.get("/admin/").status_code == 302  # not logged in


def test_createsuperuser_refuses_a_look_alike(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", STRONG)
    with pytest.raises(CommandError, match="Quoting the part before the @-sign"):
        call_command(
            "createsuperuser",
            "--noinput",
            "--email",
            '"root"@example.com',
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )
    assert not User.objects.exists()


def test_createsuperuser_stores_the_canonical_form(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", STRONG)
    call_command(
        "createsuperuser",
        "--noinput",
        "--email",
        "Root@BÜCHER.de",
        stdout=io.StringIO(),
    )
    assert User.objects.get().email == "root@xn--bcher-kva.de"


# --- The data migration ------------------------------------------------------------

BEFORE = ("users", "0007_session_lifetime_and_reuse_interval")
AFTER = ("users", "0008_canonical_email")


@pytest.fixture
def latest_schema_afterwards():
    """Migrate the database forward to the latest migrations when the test ends.

    A later migration than ``AFTER`` adds columns the current models read; the
    tests after this one need them.
    """
    yield
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("latest_schema_afterwards")
def test_the_migration_rewrites_rows_and_leaves_look_alikes_to_staff(capsys):
    executor = MigrationExecutor(connection)
    executor.migrate([BEFORE])
    old = executor.loader.project_state([BEFORE]).apps.get_model("users", "User")
    rows = {
        label: old.objects.create(email=email, pending_email=pending, password="!").pk
        for label, email, pending in [
            ("plain", "Mixed.Case@Example.com", ""),
            ("idn", "ada@BÜCHER.de", "Ada@Elsewhere.ORG"),
            ("zero width", "mixed.case@example.com\u200b", ""),
            ("punycode twin", "ADA@xn--bcher-kva.de", ""),
            ("canonical already", "bob@example.org", "bob@exam\u200bple.net"),
            ("dotless", "n\u0131me@example.com", ""),
        ]
    }
    capsys.readouterr()
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([AFTER])
    stored = dict(User.objects.values_list("pk", "email"))
    pending = dict(User.objects.values_list("pk", "pending_email"))
    assert stored[rows["plain"]] == "mixed.case@example.com"
    assert stored[rows["idn"]] == "ada@xn--bcher-kva.de"
    assert pending[rows["idn"]] == "ada@elsewhere.org"
    assert stored[rows["canonical already"]] == "bob@example.org"
    assert pending[rows["canonical already"]] == ""  # no spelling: dropped
    # Nothing deleted or merged; what could not be rewritten is kept and listed.
    assert stored[rows["zero width"]] == "mixed.case@example.com\u200b"
    assert stored[rows["punycode twin"]] == "ADA@xn--bcher-kva.de"
    assert stored[rows["dotless"]] == "n\u0131me@example.com"
    report = capsys.readouterr().out
    for label in ("zero width", "punycode twin", "dotless", "canonical already"):
        assert f"user {rows[label]}:" in report, label
    assert "@" not in report  # ids only, no addresses in deploy logs
    # Only the columns of AFTER's schema: later migrations add others.
    found = User.objects.by_email("ADA@bücher.de").values_list("pk", flat=True)
    assert found.get() == rows["idn"]


# --- Any text at all ---------------------------------------------------------------

_ADDRESSISH = st.builds(
    lambda local, domain: f"{local}@{domain}",
    st.text(max_size=20),
    st.text(max_size=30),
)


@hypothesis_settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=60), _ADDRESSISH))
def test_any_text_is_refused_cleanly_or_has_an_ascii_fixed_point(text):
    try:
        canonical = canonical_email(text)
    except InvalidEmailAddress:
        return
    assert canonical.isascii()
    assert canonical == canonical.lower()
    assert canonical_email(canonical) == canonical
    assert len(canonical) <= 254
