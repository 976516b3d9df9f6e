"""Document guards: depth, aliases/root fields and introspection, as validation rules.

They run before execution, so an abusive document costs a parse and a walk, never
a resolver. Limits are read from settings per request, so they can be tuned (and
tested) without a restart.
"""

from __future__ import annotations

from django.conf import settings
from graphql import (
    FieldNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
)
from graphql.validation import NoSchemaIntrospectionCustomRule, specified_rules

from users.errors import ErrorCode


def _too_complex(message: str, node) -> GraphQLError:
    return GraphQLError(
        message, node, extensions={"code": str(ErrorCode.QUERY_TOO_COMPLEX)}
    )


def max_depth_rule(max_depth: int) -> type[ValidationRule]:
    class MaxDepthRule(ValidationRule):
        """Refuse operations nested deeper than ``max_depth`` fields."""

        def enter_operation_definition(self, node: OperationDefinitionNode, *_args):
            fragments = {f.name.value: f for f in self.context.document.definitions
                         if f.kind == "fragment_definition"}  # fmt: skip
            depth = _depth(node.selection_set, fragments, 0, set())
            if depth > max_depth:
                self.report_error(
                    _too_complex(
                        f"The operation is {depth} levels deep; "
                        f"the limit is {max_depth}.",
                        node,
                    )
                )

    return MaxDepthRule


def _depth(
    selection_set: SelectionSetNode | None, fragments, level: int, seen: set
) -> int:
    if selection_set is None:
        return level
    deepest = level
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            if selection.name.value.startswith("__"):
                continue  # introspection meta fields are governed separately
            deepest = max(
                deepest, _depth(selection.selection_set, fragments, level + 1, seen)
            )
        elif isinstance(selection, InlineFragmentNode):
            deepest = max(
                deepest, _depth(selection.selection_set, fragments, level, seen)
            )
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            if name in seen or name not in fragments:
                continue  # cycles and unknown fragments are reported by other rules
            deepest = max(
                deepest,
                _depth(fragments[name].selection_set, fragments, level, seen | {name}),
            )
    return deepest


def max_aliases_rule(max_aliases: int) -> type[ValidationRule]:
    class MaxAliasesRule(ValidationRule):
        """Refuse documents with more than ``max_aliases`` aliases or root fields.

        Aliases are how one request repeats an expensive field (or a login) many
        times; rate limits still count each one, this caps the document itself.
        """

        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            self.aliases = 0
            self.reported = False  # one refusal per document is enough

        def enter_field(self, node: FieldNode, *_args):
            if node.alias is not None:
                self.aliases += 1
                if self.aliases > max_aliases and not self.reported:
                    self.reported = True
                    self.report_error(
                        _too_complex(
                            f"At most {max_aliases} aliases per document.", node
                        )
                    )

        def enter_operation_definition(self, node: OperationDefinitionNode, *_args):
            roots = len(node.selection_set.selections)
            if roots > max_aliases and not self.reported:
                self.reported = True
                self.report_error(
                    _too_complex(
                        f"At most {max_aliases} root fields per operation.", node
                    )
                )

    return MaxAliasesRule


def validation_rules() -> list[type[ValidationRule]]:
    """Return every rule in force now: the specification's own plus the guards.

    graphql-core replaces (not extends) its default rules with the list given.
    """
    rules = [
        *specified_rules,
        max_depth_rule(settings.GRAPHQL_MAX_DEPTH),
        max_aliases_rule(settings.GRAPHQL_MAX_ALIASES),
    ]
    if not settings.GRAPHQL_INTROSPECTION:
        rules.append(NoSchemaIntrospectionCustomRule)
    return rules
