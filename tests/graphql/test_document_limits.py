"""Document limits: linear validation, directive caps, one credential check.

Costs are asserted on the work done (selections looked at), never wall time;
``bench/graphql_validation.py`` times the same shapes.
"""

import pytest
from graphql import get_introspection_query, parse

from graphql_api.document_measure import measure
from graphql_api.validation import CREDENTIAL_FIELDS, check_document
from tests.factories import DEFAULT_PASSWORD
from tests.hashers import CountingArgon2PasswordHasher
from users.models import Session, User

pytestmark = pytest.mark.django_db


def doubling_chain(levels: int) -> str:
    """``F_n`` spreads ``F_{n-1}`` twice: 2^n fields from a few bytes each."""
    fragments = " ".join(
        f"fragment F{i} on User {{ ...F{i - 1} ...F{i - 1} }}"
        for i in range(1, levels + 1)
    )
    return f"{{ me {{ ...F{levels} }} }} fragment F0 on User {{ email }} {fragments}"


def wide_fan_out(levels: int, width: int) -> str:
    """Each fragment spreads the previous one ``width`` times: width^levels."""
    fragments = " ".join(
        f"fragment W{i} on User {{ {' '.join([f'...W{i - 1}'] * width)} }}"
        for i in range(1, levels + 1)
    )
    return f"{{ me {{ ...W{levels} }} }} fragment W0 on User {{ email }} {fragments}"


def nested_inline_fragments(levels: int) -> str:
    return "{ me { " + "... on User { " * levels + "email" + " }" * levels + " } }"


def ast_size(document) -> int:
    """Selections written in the document (what a linear walk may look at)."""
    count = 0
    stack = [d.selection_set for d in document.definitions]
    while stack:
        for selection in stack.pop().selections:
            count += 1
            if getattr(selection, "selection_set", None) is not None:
                stack.append(selection.selection_set)
    return count


def total_visits(source: str, cap: int = 401) -> int:
    return sum(found.visits for _, found in measure(parse(source), cap=cap))


@pytest.mark.parametrize(
    "source",
    [doubling_chain(40), wide_fan_out(4, 25), nested_inline_fragments(60)],
    ids=["doubling-40", "fan-out-4x25", "inline-60"],
)
def test_measuring_a_document_looks_at_each_selection_once(source):
    document = parse(source)
    assert total_visits(source) == ast_size(document)


def test_the_work_grows_linearly_with_a_doubling_chain():
    # Each level adds its two spreads, whatever it expands to.
    assert total_visits(doubling_chain(40)) - total_visits(doubling_chain(20)) == 40


def test_a_fragment_is_counted_each_time_it_is_spread():
    (_, found), *_ = measure(parse(doubling_chain(10)), cap=10**6)
    assert found.fields == 1 + 2**10  # me + 1024 emails
    assert found.depth == 2


@pytest.mark.parametrize(
    "source",
    [doubling_chain(40), wide_fan_out(4, 25)],
    ids=["doubling-40", "fan-out-4x25"],
)
def test_exponential_fragments_are_refused_as_too_complex(gql, source):
    assert len(source.encode()) < 2000
    result = gql(source)
    assert result.status == 400
    assert result.codes == ["QUERY_TOO_COMPLEX"]
    assert "'email' is selected" in result.errors[0]["message"]


def test_a_long_fragment_chain_does_not_exhaust_the_stack(gql):
    chain = " ".join(f"fragment C{i} on User {{ ...C{i - 1} }}" for i in range(1, 400))
    source = f"{{ me {{ ...C399 }} }} fragment C0 on User {{ email }} {chain}"
    found = measure(parse(source), cap=401)
    assert found[0][1].fields == 2
    assert gql(source).codes != ["INTERNAL_ERROR"]


def test_cycles_are_measured_without_looping(gql):
    source = (
        "{ me { ...A } } fragment A on User { ...B email } fragment B on User { ...A }"
    )
    assert measure(parse(source), cap=401)[0][1].fields == 2
    result = gql(source)
    assert result.status == 400
    assert result.codes == ["INVALID_INPUT"]  # graphql-core's NoFragmentCycles


def test_depth_through_fragments_is_measured_once_per_fragment(gql, settings):
    settings.GRAPHQL_MAX_DEPTH = 3
    source = (
        "{ users(first: 1) { ...E } } "
        "fragment E on UserConnection { edges { node { ...N } } } "
        "fragment N on User { id }"
    )
    result = gql(source)
    assert result.codes == ["QUERY_TOO_COMPLEX"]
    assert "4 levels deep" in result.errors[0]["message"]


def test_500_duplicate_fields_are_refused(gql):
    result = gql("query cop { " + "__typename \n" * 500 + "}")
    assert result.status == 400
    assert result.codes == ["QUERY_TOO_COMPLEX"]


def test_distinct_fields_beyond_the_cap_are_refused(auth_gql, settings):
    settings.GRAPHQL_MAX_FIELDS = 10
    fields = " ".join(f"a{i}: email" for i in range(11))
    result = auth_gql("{ me { " + fields + " } }")
    assert result.codes == ["QUERY_TOO_COMPLEX"]
    assert "more than 10 fields" in result.errors[0]["message"]


def test_one_name_selected_too_often_through_fragments_is_refused(gql, settings):
    """What graphql-core's OverlappingFieldsCanBeMerged compares pairwise."""
    settings.GRAPHQL_MAX_FIELD_REPEATS = 20
    spreads = " ".join(f"...O{i}" for i in range(21))
    fragments = " ".join(
        f"fragment O{i} on User {{ email name bio }}" for i in range(21)
    )
    result = gql(f"{{ me {{ {spreads} }} }} {fragments}")
    assert result.codes == ["QUERY_TOO_COMPLEX"]
    assert "'email' is selected 21 times" in result.errors[0]["message"]


def test_repeats_are_counted_per_selection_set_not_per_document(auth_gql, user):
    nested = " ".join(["email"] * 15)
    source = "{ me { " + nested + " } again: me { " + nested + " } }"
    result = auth_gql(source)
    assert result.errors == []
    assert result.data["again"]["email"] == user.email


def test_measure_reports_the_most_repeated_name():
    source = "{ me { id ... on User { id name } ...F } } fragment F on User { id }"
    (_, found), _ = measure(parse(source), cap=100)
    assert (found.repeated, found.repeats) == ("id", 3)


def test_an_unused_fragment_is_bounded_too(gql, settings):
    settings.GRAPHQL_MAX_FIELDS = 20
    source = "{ me { id } } fragment Big on User { " + "email " * 30 + "}"
    assert gql(source).codes == ["QUERY_TOO_COMPLEX"]


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"descriptions": True, "input_value_deprecation": True}],
    ids=["plain", "graphiql"],
)
def test_the_standard_introspection_query_passes_every_limit(gql, kwargs):
    result = gql(get_introspection_query(**kwargs))
    assert result.status == 200, result.errors
    assert result.data["__schema"]["queryType"]["name"] == "Query"


def test_too_many_tokens_are_refused_while_parsing(gql, settings):
    settings.GRAPHQL_MAX_TOKENS = 50
    result = gql("{ me { " + "id " * 60 + "} }")
    assert result.status == 400
    assert result.codes == ["QUERY_TOO_COMPLEX"]


def test_too_many_comments_are_refused_while_parsing(gql):
    result = gql("#\n" * 150 + "{ me { id } }")
    assert result.codes == ["QUERY_TOO_COMPLEX"]


def test_a_syntax_error_stays_invalid_input(gql):
    assert gql("{ me { id }").codes == ["INVALID_INPUT"]


# --- Directives -----------------------------------------------------------------


@pytest.mark.parametrize("count", [10, 300, 3000])
def test_directive_overloading_on_one_field_is_one_refusal(gql, count):
    result = gql("query cop { __typename " + "@aa" * count + " }")
    assert result.status == 400
    assert result.codes == ["QUERY_TOO_COMPLEX"]  # 3,000: over the token limit


def test_the_directive_refusal_names_the_per_field_cap(gql):
    result = gql("query cop { __typename " + "@include(if: true)" * 4 + " }")
    assert result.codes == ["QUERY_TOO_COMPLEX"]
    assert "per field" in result.errors[0]["message"]


def test_directives_are_capped_per_document(gql, settings):
    settings.GRAPHQL_MAX_DIRECTIVES = 4
    fields = " ".join(f"a{i}: __typename @include(if: true)" for i in range(5))
    result = gql("{ " + fields + " }")
    assert result.codes == ["QUERY_TOO_COMPLEX"]
    assert "per document" in result.errors[0]["message"]


def test_ordinary_directives_pass(auth_gql, user):
    result = auth_gql(
        "query ($full: Boolean!) "
        "{ me { email @include(if: $full) id @skip(if: true) } }",
        {"full": True},
    )
    assert result.errors == []
    assert result.data == {"me": {"email": user.email}}


# --- Introspection depth --------------------------------------------------------


def test_a_too_deep_introspection_query_is_too_complex(gql, settings):
    settings.GRAPHQL_INTROSPECTION = True
    source = (
        "query cop { __schema { types { fields { type { fields { type { fields "
        "{ type { fields { type { name } } } } } } } } } } }"
    )
    result = gql(source)
    assert result.status == 400
    assert result.codes == ["QUERY_TOO_COMPLEX"]
    assert "introspection depth" in result.errors[0]["message"]


# --- One credential check per document ------------------------------------------


@pytest.fixture
def counting_hasher(settings):
    settings.PASSWORD_HASHERS = ["tests.hashers.CountingArgon2PasswordHasher"]
    CountingArgon2PasswordHasher.calls = 0
    return CountingArgon2PasswordHasher


def login_field(alias: str, email: str) -> str:
    return f'{alias}: tokenAuth(email: "{email}", password: "{DEFAULT_PASSWORD}") {{ token }}'  # noqa: E501


def test_two_logins_in_one_document_are_refused_before_any_hash(
    gql, user, counting_hasher
):
    user.set_password(DEFAULT_PASSWORD)
    user.save()
    counting_hasher.calls = 0
    result = gql(
        f"mutation {{ {login_field('a', user.email)} {login_field('b', user.email)} }}"
    )
    assert result.status == 400
    assert result.codes == ["QUERY_TOO_COMPLEX"]
    assert "credential" in result.errors[0]["message"]
    assert counting_hasher.calls == 0
    assert not Session.objects.filter(user=user).exists()


def test_one_login_per_document_still_works(gql, user):
    result = gql(f"mutation {{ {login_field('a', user.email)} }}")
    assert result.errors == []
    assert result.data["a"]["token"]


def test_credential_fields_hidden_in_fragments_are_counted(gql, user, counting_hasher):
    source = (
        'mutation { ...L ... on Mutation { register(input: {email: "n@example.com", '
        'password: "long-enough-pw-1"}) { errors { code } } } } '
        f"fragment L on Mutation {{ {login_field('a', user.email)} }}"
    )
    result = gql(source)
    assert result.codes == ["QUERY_TOO_COMPLEX"]
    assert counting_hasher.calls == 0
    assert not User.objects.filter(email="n@example.com").exists()


@pytest.mark.parametrize(
    ("profile", "refused"),
    [
        ('input: {name: "x"}', False),
        ('input: {email: "new@example.com"}', True),
        ("input: {email: $e}", True),
        ("input: $in", True),
    ],
)
def test_update_profile_counts_when_it_may_change_the_email(
    auth_gql, user, profile, refused
):
    source = (
        'mutation ($e: String, $in: UpdateProfileInput = {name: "y"}) { '
        f"{login_field('a', user.email)} "
        f"updateProfile({profile}) {{ errors {{ code }} }} }}"
    )
    result = auth_gql(source, {"e": None})
    assert ("QUERY_TOO_COMPLEX" in result.codes) is refused
    if refused:
        assert result.status == 400


def test_the_credential_fields_all_exist_on_the_mutation_type():
    from graphql_api.schema import schema

    fields = schema.graphql_schema.mutation_type.fields
    for name, trigger in CREDENTIAL_FIELDS.items():
        assert name in fields
        if trigger is not None:
            assert trigger in fields[name].args["input"].type.of_type.fields


def test_check_document_returns_a_document_or_errors():
    from graphql_api.schema import schema

    document = check_document(schema.graphql_schema, "{ me { id } }")
    assert document.definitions[0].operation.value == "query"
    errors = check_document(schema.graphql_schema, "{ nope }")
    assert errors[0].message.startswith("Cannot query field 'nope'")
