"""Time the validation of the worst GraphQL documents known, each at most 10 KB.

Usage: ``.venv/bin/python bench/graphql_validation.py [--repeat N]``

Each shape is checked with ``graphql_api.validation.check_document`` (size,
guards, specification rules: exactly what ``POST /graphql/`` does before
executing) under the settings in force (dev by default; set
``DJANGO_SETTINGS_MODULE=core.settings.production`` plus its required variables
for production). Prints the size, the median CPU time of this process and the
median wall time over the repeats, and how the document ended (``valid`` or the
first refusal). The verdict is on CPU time, what a worker spends; wall time also
counts waiting for a core when the machine is shared. Target: no shape above
100 ms on the reference machine (2 cores).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "core.settings.dev")

import django

django.setup()

from django.conf import settings  # noqa: E402
from graphql import Lexer, Source, TokenKind, get_introspection_query  # noqa: E402

from graphql_api.schema import schema  # noqa: E402
from graphql_api.validation import check_document  # noqa: E402

LIMIT = 10_000  # bytes: GRAPHQL_MAX_QUERY_BYTES
TARGET_MS = 100.0


def tokens(source: str) -> int:
    lexer = Lexer(Source(source))
    count = 0
    while lexer.advance().kind != TokenKind.EOF:
        count += 1
    return count


def fits(source: str) -> bool:
    """Within the size limits, so the document reaches the guards and rules."""
    return (
        len(source.encode()) <= LIMIT and tokens(source) <= settings.GRAPHQL_MAX_TOKENS
    )


def largest(build: Callable[[int], str], cap: int) -> str:
    """Return ``build(n)`` for the largest ``n <= cap`` that ``fits``."""
    n = 1
    while n * 2 <= cap and fits(build(n * 2)):
        n *= 2
    step = n // 2
    while step:
        if n + step <= cap and fits(build(n + step)):
            n += step
        step //= 2
    return build(n)


def doubling_chain(levels: int) -> str:
    chain = " ".join(
        f"fragment F{i} on User {{ ...F{i - 1} ...F{i - 1} }}"
        for i in range(1, levels + 1)
    )
    return f"{{ me {{ ...F{levels} }} }} fragment F0 on User {{ email }} {chain}"


def wide_fan_out(width: int, levels: int = 4) -> str:
    chain = " ".join(
        f"fragment W{i} on User {{ {' '.join([f'...W{i - 1}'] * width)} }}"
        for i in range(1, levels + 1)
    )
    return f"{{ me {{ ...W{levels} }} }} fragment W0 on User {{ email }} {chain}"


def nested_inline_fragments(levels: int) -> str:
    return "{ me { " + "... on User { " * levels + "email" + " }" * levels + " } }"


def directives_on_one_field(count: int) -> str:
    return "query cop { __typename " + "@aa" * count + " }"


def include_directives(count: int) -> str:
    fields = " ".join(f"f{i}: __typename @include(if: true)" for i in range(count))
    return "{ " + fields + " }"


def alias_flood(count: int) -> str:
    return "{ " + " ".join(f"a{i}: me {{ id }}" for i in range(count)) + " }"


def field_duplication(count: int) -> str:
    return "{ me { " + "id " * count + "} }"


def same_field_repeated(count: int) -> str:
    """Identical fields: OverlappingFieldsCanBeMerged compares every pair."""
    return "{ me { " + "email " * count + "} }"


def repeats_at_the_limit(count: int) -> str:
    """Every User field selected as often as allowed: the most pairs that pass."""
    names = "email name bio location id emailVerified dateJoined avatarUrl __typename"
    return "{ me { " + " ".join([names] * count) + " } }"


def overlapping_fragments(count: int) -> str:
    """Fragments selecting the same fields, all spread in one place: pairwise."""
    spreads = " ".join(f"...O{i}" for i in range(count))
    fragments = " ".join(
        f"fragment O{i} on User {{ email name bio }}" for i in range(count)
    )
    return f"{{ me {{ {spreads} }} }} {fragments}"


def conflicting_arguments(count: int) -> str:
    """Select one response name with different arguments: a conflict per pair."""
    fields = " ".join(f'node(id: "{i}") {{ id }}' for i in range(count))
    return "{ " + fields + " }"


def many_operations_one_fragment_graph(count: int) -> str:
    """Every operation walks the same fragments (variable rules are per operation)."""
    fragments = " ".join(
        f"fragment G{i} on User {{ ...G{i - 1} }}" for i in range(1, 40)
    )
    operations = " ".join(f"query Q{i} {{ me {{ ...G39 }} }}" for i in range(count))
    return f"{operations} fragment G0 on User {{ email }} {fragments}"


def many_variables(count: int) -> str:
    declared = " ".join(f"$v{i}: String" for i in range(count))
    return f"query ({declared}) {{ me {{ id }} }}"


def long_string(count: int) -> str:
    return '{ node(id: "' + "x" * count + '") { id } }'


def comments(count: int) -> str:
    return "#\n" * count + "{ me { id } }"


def introspection(_: int) -> str:
    return get_introspection_query(descriptions=True, input_value_deprecation=True)


def circular_introspection(_: int) -> str:
    inner = "name"
    for _level in range(40):
        inner = f"fields {{ type {{ {inner} }} }}"
    return "{ __schema { types { " + inner + " } } }"


def two_logins(_: int) -> str:
    login = 'tokenAuth(email: "a@b.c", password: "x") { token }'
    return "mutation { " + " ".join(f"l{i}: {login}" for i in range(20)) + " }"


#: (name, builder, largest n to try; 0 = a fixed document). n grows until the
#: document would pass 10 KB, or up to the cap (the parser refuses nesting past
#: about 200 levels; the caps keep a shape under the field and root-field limits
#: so that it reaches graphql-core's own rules).
UNBOUNDED = 10**6
SHAPES: list[tuple[str, Callable[[int], str], int]] = [
    ("doubling fragment chain", doubling_chain, UNBOUNDED),
    ("doubling chain, 40 levels", lambda _: doubling_chain(40), 0),
    ("wide fan-out (4 levels)", wide_fan_out, UNBOUNDED),
    ("nested inline fragments", nested_inline_fragments, 199),
    ("3,000 unknown directives", lambda _: directives_on_one_field(3000), 0),
    ("unknown directives <2k tokens", lambda _: directives_on_one_field(995), 0),
    ("@include on many fields", include_directives, UNBOUNDED),
    ("alias flood", alias_flood, UNBOUNDED),
    ("field duplication", field_duplication, UNBOUNDED),
    ("same field repeated", same_field_repeated, 399),
    ("repeats at the limit", repeats_at_the_limit, 20),
    ("overlapping fragments", overlapping_fragments, 133),
    ("conflicting arguments", conflicting_arguments, 30),
    ("operations x fragment graph", many_operations_one_fragment_graph, UNBOUNDED),
    ("many variables", many_variables, UNBOUNDED),
    ("one long string", long_string, UNBOUNDED),
    ("comments", comments, 100),
    ("full introspection query", introspection, 0),
    ("circular introspection", circular_introspection, 0),
    ("20 aliased logins", two_logins, 0),
]


def outcome(result: object) -> str:
    if not isinstance(result, list):
        return "valid"
    first = result[0]
    code = (first.extensions or {}).get("code", "INVALID_INPUT")
    return f"{code}: {first.message[:50]}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    graphql_schema = schema.graphql_schema
    check_document(graphql_schema, "{ me { id } }")  # warm the schema's caches
    print(f"{'shape':30} {'bytes':>6} {'cpu ms':>7} {'wall ms':>8}  outcome")
    worst = 0.0
    for name, build, cap in SHAPES:
        source = largest(build, cap) if cap else build(0)
        if len(source.encode()) > LIMIT:
            raise SystemExit(f"{name}: larger than {LIMIT} bytes")
        cpu, wall = [], []
        for _ in range(args.repeat):
            started, started_cpu = time.perf_counter(), time.process_time()
            result = check_document(graphql_schema, source)
            cpu.append((time.process_time() - started_cpu) * 1000)
            wall.append((time.perf_counter() - started) * 1000)
        worst = max(worst, statistics.median(cpu))
        print(
            f"{name:30} {len(source.encode()):6} {statistics.median(cpu):7.1f}"
            f" {statistics.median(wall):8.1f}  {outcome(result)}"
        )
    verdict = "OK" if worst <= TARGET_MS else "OVER TARGET"
    print(f"\nworst CPU median: {worst:.1f} ms (target {TARGET_MS:.0f} ms): {verdict}")
    return 0 if worst <= TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
