"""Turn document text into a validated document, at a cost linear in its size.

An anonymous client chooses the document, so nothing done before execution may
cost more than the document's length: ``check_document`` (text → document or
errors) is the one entry point, kept separate from the view so that a cache of
validated documents can wrap it.

It runs in three steps, each refusing before the next one is paid for:

1. size: bytes, then lexical tokens and comments while parsing;
2. the guards (:func:`guard_rules`), linear passes that bound what the
   specification's rules will see: depth and field count with every fragment
   measured once (:func:`measure`), aliases, root fields, directives, and at most
   one field per document that checks a credential;
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
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLSchema,
    InlineFragmentNode,
    ObjectValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
    VariableNode,
    parse,
    validate,
)
from graphql.validation import (
    MaxIntrospectionDepthRule,
    NoSchemaIntrospectionCustomRule,
    specified_rules,
)

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
            aliases=settings.GRAPHQL_MAX_ALIASES,
            directives_per_field=settings.GRAPHQL_MAX_DIRECTIVES_PER_FIELD,
            directives=settings.GRAPHQL_MAX_DIRECTIVES,
        )


def too_complex(message: str, nodes: Any = None) -> GraphQLError:
    return GraphQLError(
        message, nodes, extensions={"code": str(ErrorCode.QUERY_TOO_COMPLEX)}
    )


# --- Step 1 and the pipeline --------------------------------------------------------


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
            source,
            max_lexical_tokens=limits.tokens,
            max_comments=limits.comments,
        )
    except GraphQLError as error:
        if _PARSER_LIMIT.search(error.message):
            return [too_complex(error.message)]
        return [error]
    errors = validate(schema, document, guard_rules(limits))
    if errors:
        return errors[:1]  # one refusal says enough; the rest may be its echoes
    errors = validate(
        schema,
        document,
        specification_rules(),
        hide_suggestions=not settings.GRAPHQL_INTROSPECTION,
    )
    return errors or document


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


# --- Step 2: the guards ---------------------------------------------------------------


def guard_rules(limits: Limits) -> list[type[ASTValidationRule]]:
    """Return the linear rules that must pass before the specification's run."""
    return [
        _shape_rule(limits),
        _aliases_rule(limits.aliases),
        _directives_rule(limits.directives_per_field, limits.directives),
        CredentialFieldsRule,
    ]


@dataclass
class Measure:
    """What a selection set costs with every fragment spread expanded.

    ``depth`` counts nested fields (introspection meta fields excluded: the
    introspection-depth rule governs those); ``fields`` counts every field
    selected, saturating at the cap; ``visits`` is the work done to find out
    (selections looked at), which stays linear in the document's size.
    """

    depth: int = 0
    fields: int = 0
    visits: int = 0


def measure(
    document: DocumentNode, *, cap: int
) -> list[tuple[OperationDefinitionNode | FragmentDefinitionNode, Measure]]:
    """Measure each operation and fragment definition of ``document``.

    Every selection set is evaluated once and memoised, so a fragment spread many
    times (or a chain of fragments each spreading the previous one twice) costs
    one lookup per spread, not a walk of its expansion. Iterative, so long chains
    cannot exhaust the interpreter's stack. Fragment cycles count as empty (the
    specification's NoFragmentCycles rule refuses them).
    """
    fragments = {
        definition.name.value: definition.selection_set
        for definition in document.definitions
        if isinstance(definition, FragmentDefinitionNode)
    }
    memo: dict[int, tuple[int, int]] = {}
    results = []
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode | FragmentDefinitionNode):
            visits = _evaluate(definition.selection_set, fragments, memo, cap)
            depth, fields = memo[id(definition.selection_set)]
            results.append((definition, Measure(depth, fields, visits)))
    return results


def _evaluate(
    root: SelectionSetNode,
    fragments: dict[str, SelectionSetNode],
    memo: dict[int, tuple[int, int]],
    cap: int,
) -> int:
    """Fill ``memo`` for ``root`` and everything it reaches; return the visits."""
    if id(root) in memo:
        return 0
    visits = 0
    # Frames: [selection set, next selection index, depth so far, fields so far].
    stack: list[list[Any]] = [[root, 0, 0, 0]]
    on_stack = {id(root)}
    while stack:
        frame = stack[-1]
        selection_set, index = frame[0], frame[1]
        selections = selection_set.selections
        pushed = False
        while index < len(selections):
            selection = selections[index]
            child = _child_set(selection, fragments)
            if child is not None and id(child) not in memo:
                if id(child) not in on_stack:
                    frame[1] = index
                    stack.append([child, 0, 0, 0])
                    on_stack.add(id(child))
                    pushed = True
                    break
                child_measure = (0, 0)  # a cycle: refused by NoFragmentCycles
            else:
                child_measure = memo[id(child)] if child is not None else (0, 0)
            visits += 1
            child_depth, child_fields = child_measure
            if isinstance(selection, FieldNode):
                if not selection.name.value.startswith("__"):
                    frame[2] = max(frame[2], 1 + child_depth)
                frame[3] = min(cap, frame[3] + 1 + child_fields)
            else:
                frame[2] = max(frame[2], child_depth)
                frame[3] = min(cap, frame[3] + child_fields)
            index += 1
        if pushed:
            continue
        memo[id(selection_set)] = (frame[2], frame[3])
        on_stack.discard(id(selection_set))
        stack.pop()
    return visits


def _child_set(
    selection: Any, fragments: dict[str, SelectionSetNode]
) -> SelectionSetNode | None:
    if isinstance(selection, FragmentSpreadNode):
        return fragments.get(selection.name.value)
    if isinstance(selection, FieldNode | InlineFragmentNode):
        return selection.selection_set
    return None


def _shape_rule(limits: Limits) -> type[ASTValidationRule]:
    class DocumentShapeRule(ValidationRule):
        """Refuse a definition nested too deep or selecting too many fields."""

        def enter_document(self, node: DocumentNode, *_args: Any) -> None:
            cap = max(limits.fields, limits.depth) + 1
            for definition, found in measure(node, cap=cap):
                name = definition.name.value if definition.name else None
                is_operation = isinstance(definition, OperationDefinitionNode)
                where = f"'{name}'" if name else "The operation"
                # A fragment's depth only counts where it is spread; its fields
                # are bounded even when unused (the other rules still walk it).
                if is_operation and found.depth > limits.depth:
                    self.report_error(
                        too_complex(
                            f"{where} is {found.depth} levels deep; "
                            f"the limit is {limits.depth}.",
                            definition,
                        )
                    )
                if found.fields > limits.fields:
                    self.report_error(
                        too_complex(
                            f"{where} selects more than {limits.fields} fields "
                            "(a fragment counts each time it is spread).",
                            definition,
                        )
                    )

    return DocumentShapeRule


def _aliases_rule(max_aliases: int) -> type[ASTValidationRule]:
    class MaxAliasesRule(ValidationRule):
        """Refuse more than ``max_aliases`` aliases, or root fields per operation.

        Aliases are how one request repeats an expensive field many times; rate
        limits still count each one, this caps the document itself.
        """

        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            self.aliases = 0
            self.reported = False  # one refusal per document is enough

        def _refuse(self, message: str, node: Any) -> None:
            if not self.reported:
                self.reported = True
                self.report_error(too_complex(message, node))

        def enter_field(self, node: FieldNode, *_args: Any) -> None:
            if node.alias is not None:
                self.aliases += 1
                if self.aliases > max_aliases:
                    self._refuse(f"At most {max_aliases} aliases per document.", node)

        def enter_operation_definition(
            self, node: OperationDefinitionNode, *_args: Any
        ) -> None:
            if len(node.selection_set.selections) > max_aliases:
                self._refuse(f"At most {max_aliases} root fields per operation.", node)

    return MaxAliasesRule


def _directives_rule(per_node: int, per_document: int) -> type[ASTValidationRule]:
    class MaxDirectivesRule(ValidationRule):
        """Refuse directive overloading before any rule looks at the directives.

        ``@include``/``@skip`` twice on one field is already more than any client
        needs; thousands of unknown ones would each be reported.
        """

        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            self.total = 0
            self.reported = False

        def enter(self, node: Any, *_args: Any) -> None:
            directives = getattr(node, "directives", None)
            if not directives or self.reported:
                return
            self.total += len(directives)
            if len(directives) > per_node:
                self.reported = True
                self.report_error(
                    too_complex(f"At most {per_node} directives per field.", node)
                )
            elif self.total > per_document:
                self.reported = True
                self.report_error(
                    too_complex(f"At most {per_document} directives per document.")
                )

    return MaxDirectivesRule


def _checks_a_credential(node: FieldNode) -> bool:
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


class CredentialFieldsRule(ValidationRule):
    """At most one field per document that checks a password or second factor.

    A second one is refused before anything runs, so one request costs at most
    one password hash however many aliases or fragments it uses. Rate limits still
    count every attempt that does run.
    """

    def __init__(self, context: ValidationContext) -> None:
        super().__init__(context)
        self.seen: list[FieldNode] = []

    def enter_field(self, node: FieldNode, *_args: Any) -> None:
        mutation_type = self.context.schema.mutation_type
        if mutation_type is None or self.context.get_parent_type() is not mutation_type:
            return
        if not _checks_a_credential(node):
            return
        self.seen.append(node)
        if len(self.seen) == 2:
            self.report_error(
                too_complex(
                    "At most one field that checks a credential per document ("
                    + ", ".join(sorted(CREDENTIAL_FIELDS))
                    + "); send the others in their own requests.",
                    self.seen,
                )
            )


__all__ = [
    "CREDENTIAL_FIELDS",
    "CredentialFieldsRule",
    "Limits",
    "Measure",
    "check_document",
    "coded_as_too_complex",
    "guard_rules",
    "measure",
    "specification_rules",
]
