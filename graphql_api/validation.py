"""Turn document text into a validated document, at a cost linear in its size.

An anonymous client chooses the document, so nothing done before execution may
cost more than the document's length: ``check_document`` (text → document or
errors) is the one entry point, kept separate from the view so that a cache of
validated documents can wrap it.

It runs in three steps, each refusing before the next one is paid for:

1. size: bytes, then lexical tokens and comments while parsing;
2. the guards (:func:`guard_errors`), two linear walks
   (``graphql_api.document_measure``) that bound what the specification's rules
   will see: depth, fields and repeated response names with every fragment
   measured once, aliases, root fields, directives, and at most one field per
   document that checks a credential;
3. graphql-core's specified rules (and, with introspection off, the rule that
   refuses it).

Every refusal for size or shape is ``QUERY_TOO_COMPLEX``, whichever step or rule
caught it (graphql-core's own introspection-depth rule included); any other
invalid document is ``INVALID_INPUT``. Limits are read from settings per call, so
they can be tuned (and tested) without a restart.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from graphql import (
    ArgumentNode,
    ASTValidationRule,
    DocumentNode,
    FieldNode,
    GraphQLError,
    GraphQLSchema,
    ObjectValueNode,
    OperationDefinitionNode,
    VariableNode,
    parse,
    validate,
)
from graphql.validation import (
    MaxIntrospectionDepthRule,
    NoSchemaIntrospectionCustomRule,
    specified_rules,
)

from graphql_api.document_measure import count_nodes, measure
from users.errors import ErrorCode

#: Mutation fields that check a password or a second factor, each with the
#: input field that makes it one (``None``: always). A document may hold at most
#: one of them, so one request costs at most one password hash. A field whose
#: ``input`` is a variable counts: validation does not see variable values.
CREDENTIAL_FIELDS: dict[str, str | None] = {
    "tokenAuth": None,
    "register": None,
    "changePassword": None,
    "resetPassword": None,
    "deleteAccount": None,
    "updateProfile": "email",
    "verifyMfa": None,
    "confirmTotp": None,
    "disableTotp": None,
    "regenerateRecoveryCodes": None,
}

#: graphql-core's parser refusals that are about size, not syntax.
_PARSER_LIMIT = re.compile(
    r"contains more than \d+ (tokens|comments|code points)|nested too deeply"
)


@dataclass(frozen=True)
class Limits:
    """The document limits in force (settings ``GRAPHQL_MAX_*``)."""

    query_bytes: int
    tokens: int
    comments: int
    depth: int
    fields: int
    field_repeats: int
    aliases: int
    directives_per_field: int
    directives: int

    @classmethod
    def from_settings(cls) -> Limits:
        return cls(
            query_bytes=settings.GRAPHQL_MAX_QUERY_BYTES,
            tokens=settings.GRAPHQL_MAX_TOKENS,
            comments=settings.GRAPHQL_MAX_COMMENTS,
            depth=settings.GRAPHQL_MAX_DEPTH,
            fields=settings.GRAPHQL_MAX_FIELDS,
            field_repeats=settings.GRAPHQL_MAX_FIELD_REPEATS,
            aliases=settings.GRAPHQL_MAX_ALIASES,
            directives_per_field=settings.GRAPHQL_MAX_DIRECTIVES_PER_FIELD,
            directives=settings.GRAPHQL_MAX_DIRECTIVES,
        )


def too_complex(message: str, nodes: Any = None) -> GraphQLError:
    return GraphQLError(
        message, nodes, extensions={"code": str(ErrorCode.QUERY_TOO_COMPLEX)}
    )


def check_document(
    schema: GraphQLSchema, source: str, *, limits: Limits | None = None
) -> DocumentNode | list[GraphQLError]:
    """Parse and validate ``source``: the document, or the errors that refuse it.

    Pure in its arguments and the settings, so its result may be cached per
    (source, settings). A refusal is a refusal: it never depends on variables.
    """
    limits = limits or Limits.from_settings()
    size = len(source.encode("utf-8", "surrogatepass"))
    if size > limits.query_bytes:
        return [too_complex(f"The query is larger than {limits.query_bytes} bytes.")]
    try:
        document = parse(
            source, max_lexical_tokens=limits.tokens, max_comments=limits.comments
        )
    except GraphQLError as error:
        if _PARSER_LIMIT.search(error.message):
            return [too_complex(error.message)]
        return [error]
    refusal = guard_errors(schema, document, limits)
    if refusal:
        return refusal
    errors = validate(
        schema,
        document,
        specification_rules(),
        hide_suggestions=not settings.GRAPHQL_INTROSPECTION,
    )
    return errors or document


def guard_errors(
    schema: GraphQLSchema, document: DocumentNode, limits: Limits
) -> list[GraphQLError]:
    """Return the first limit ``document`` breaks (as a one-item list), or none.

    One refusal says enough; the rest would often be its echoes.
    """
    cap = max(limits.fields, limits.depth, limits.field_repeats) + 1
    for definition, found in measure(document, cap=cap):
        where = f"'{definition.name.value}'" if definition.name else "The operation"
        # A fragment's depth only counts where it is spread; its fields are
        # bounded even when unused (the specification's rules still walk it).
        if isinstance(definition, OperationDefinitionNode) and (
            found.depth > limits.depth
        ):
            return [
                too_complex(
                    f"{where} is {found.depth} levels deep; "
                    f"the limit is {limits.depth}.",
                    definition,
                )
            ]
        if found.repeats > limits.field_repeats:
            return [
                too_complex(
                    f"'{found.repeated}' is selected {found.repeats} times in one "
                    f"selection set; the limit is {limits.field_repeats}.",
                    definition,
                )
            ]
        if found.fields > limits.fields:
            return [
                too_complex(
                    f"{where} selects more than {limits.fields} fields "
                    "(a fragment counts each time it is spread).",
                    definition,
                )
            ]
    mutation = schema.mutation_type
    counts = count_nodes(
        document,
        mutation_type=mutation.name if mutation else None,
        is_credential_check=checks_a_credential,
    )
    if counts.aliases > limits.aliases:
        return [too_complex(f"At most {limits.aliases} aliases per document.")]
    if counts.root_fields > limits.aliases:
        return [too_complex(f"At most {limits.aliases} root fields per operation.")]
    if counts.directives_on_one > limits.directives_per_field:
        return [
            too_complex(
                f"At most {limits.directives_per_field} directives per field.",
                counts.most_directed,
            )
        ]
    if counts.directives > limits.directives:
        return [too_complex(f"At most {limits.directives} directives per document.")]
    if len(counts.credential_checks) > 1:
        return [
            too_complex(
                "At most one field that checks a credential per document ("
                + ", ".join(sorted(CREDENTIAL_FIELDS))
                + "); send the others in their own requests.",
                counts.credential_checks,
            )
        ]
    return []


def checks_a_credential(node: FieldNode) -> bool:
    """Whether a root mutation field may check a password or second factor."""
    if node.name.value not in CREDENTIAL_FIELDS:
        return False
    trigger = CREDENTIAL_FIELDS[node.name.value]
    if trigger is None:
        return True
    return any(_may_carry(argument, trigger) for argument in node.arguments)


def _may_carry(argument: ArgumentNode, input_field: str) -> bool:
    """Whether ``argument`` may hold ``input_field``: only a literal can say no."""
    value = argument.value
    if isinstance(value, ObjectValueNode):
        return any(field.name.value == input_field for field in value.fields)
    return isinstance(value, VariableNode)  # its value is not known yet


def specification_rules() -> list[type[ASTValidationRule]]:
    """graphql-core's rules, its introspection-depth rule coded as a size refusal.

    graphql-core replaces (not extends) its default rules with the list given.
    """
    rules: list[type[ASTValidationRule]] = [
        coded_as_too_complex(rule) if rule is MaxIntrospectionDepthRule else rule
        for rule in specified_rules
    ]
    if not settings.GRAPHQL_INTROSPECTION:
        rules.append(NoSchemaIntrospectionCustomRule)
    return rules


def coded_as_too_complex(rule: type[ASTValidationRule]) -> type[ASTValidationRule]:
    """Return ``rule`` reporting its errors as ``QUERY_TOO_COMPLEX``."""

    class Coded(rule):  # type: ignore[valid-type,misc]
        def report_error(self, error: GraphQLError) -> None:
            error.extensions = {
                **(error.extensions or {}),
                "code": str(ErrorCode.QUERY_TOO_COMPLEX),
            }
            super().report_error(error)

    Coded.__name__ = Coded.__qualname__ = f"Coded{rule.__name__}"
    return Coded


__all__ = [
    "CREDENTIAL_FIELDS",
    "Limits",
    "check_document",
    "checks_a_credential",
    "coded_as_too_complex",
    "guard_errors",
    "specification_rules",
    "too_complex",
]
