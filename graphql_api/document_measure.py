"""Measure a parsed GraphQL document in time linear in its size.

Two walks, each looking at every node of the document once:

- :func:`measure` expands fragment spreads by memoising each selection set, so a
  fragment spread many times (or a chain of fragments each spreading the previous
  one twice: 2^n fields from a few bytes) costs one lookup per spread, never a
  walk of its expansion;
- :func:`count_nodes` counts what is written: aliases, root fields, directives,
  and the root mutation fields that check a credential.

Both are iterative, so long fragment chains cannot exhaust the interpreter's
stack, and neither uses graphql-core's visitor (a full traversal per rule with
type information is most of the cost of validating a refused document).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
)

Definition = OperationDefinitionNode | FragmentDefinitionNode


@dataclass
class Measure:
    """What a definition costs with every fragment spread expanded.

    ``depth`` counts nested fields (introspection meta fields excluded: the
    introspection-depth rule governs those); ``fields`` counts every field
    selected; ``repeats`` is the most times one response name is selected in one
    selection set, fragments merged in (what graphql-core's
    OverlappingFieldsCanBeMerged compares pairwise), ``repeated`` that name.
    Counts saturate at the cap. ``visits`` is the work done to find out
    (selections looked at), which stays linear in the document's size.
    """

    depth: int = 0
    fields: int = 0
    visits: int = 0
    repeats: int = 0
    repeated: str | None = None


@dataclass
class _Summary:
    """A selection set's measure, memoised: it is computed once per document."""

    depth: int = 0
    fields: int = 0
    #: Response names selected at this level (fragments merged in) and how often.
    names: dict[str, int] = field(default_factory=dict)


@dataclass
class _Frame:
    selection_set: SelectionSetNode
    index: int = 0
    summary: _Summary = field(default_factory=_Summary)


_EMPTY = _Summary()


def measure(document: DocumentNode, *, cap: int) -> list[tuple[Definition, Measure]]:
    """Measure each operation and fragment definition of ``document``.

    Fragment cycles count as empty (NoFragmentCycles refuses them later).
    """
    fragments = {
        definition.name.value: definition.selection_set
        for definition in document.definitions
        if isinstance(definition, FragmentDefinitionNode)
    }
    memo: dict[int, _Summary] = {}
    results = []
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode | FragmentDefinitionNode):
            found = Measure()
            _evaluate(definition.selection_set, fragments, memo, cap, found)
            summary = memo[id(definition.selection_set)]
            found.depth, found.fields = summary.depth, summary.fields
            results.append((definition, found))
    return results


def _evaluate(
    root: SelectionSetNode,
    fragments: dict[str, SelectionSetNode],
    memo: dict[int, _Summary],
    cap: int,
    found: Measure,
) -> None:
    """Fill ``memo`` for ``root`` and what it reaches; count into ``found``."""
    if id(root) in memo:
        return
    stack = [_Frame(root)]
    on_stack = {id(root)}
    while stack:
        frame = stack[-1]
        selections = frame.selection_set.selections
        while frame.index < len(selections):
            selection = selections[frame.index]
            child_set = _child_set(selection, fragments)
            if child_set is None:
                child = _EMPTY
            elif id(child_set) in memo:
                child = memo[id(child_set)]
            elif id(child_set) in on_stack:
                child = _EMPTY  # a cycle
            else:
                stack.append(_Frame(child_set))
                on_stack.add(id(child_set))
                break  # resume this selection once the child is measured
            found.visits += 1
            _add(frame.summary, selection, child, cap)
            frame.index += 1
        else:
            summary = frame.summary
            memo[id(frame.selection_set)] = summary
            for name, count in summary.names.items():
                if count > found.repeats:
                    found.repeats, found.repeated = count, name
            on_stack.discard(id(frame.selection_set))
            stack.pop()


def _add(summary: _Summary, selection: Any, child: _Summary, cap: int) -> None:
    """Account ``selection`` (whose own selection set measures ``child``)."""
    if isinstance(selection, FieldNode):
        if not selection.name.value.startswith("__"):
            summary.depth = max(summary.depth, 1 + child.depth)
        summary.fields = min(cap, summary.fields + 1 + child.fields)
        key = (selection.alias or selection.name).value
        summary.names[key] = min(cap, summary.names.get(key, 0) + 1)
        return
    # An inline fragment or a spread: its fields merge into this level.
    summary.depth = max(summary.depth, child.depth)
    summary.fields = min(cap, summary.fields + child.fields)
    for key, count in child.names.items():
        summary.names[key] = min(cap, summary.names.get(key, 0) + count)


def _child_set(
    selection: Any, fragments: dict[str, SelectionSetNode]
) -> SelectionSetNode | None:
    if isinstance(selection, FragmentSpreadNode):
        return fragments.get(selection.name.value)
    if isinstance(selection, FieldNode | InlineFragmentNode):
        return selection.selection_set
    return None


# --- What is written --------------------------------------------------------------


@dataclass
class NodeCounts:
    """Counts over the nodes as written (each node once, fragments unexpanded)."""

    aliases: int = 0
    #: The most root fields one operation selects directly.
    root_fields: int = 0
    directives: int = 0
    #: The most directives on one node, and that node.
    directives_on_one: int = 0
    most_directed: Any = None
    #: Root mutation fields for which ``is_credential_check`` said yes.
    credential_checks: list[FieldNode] = field(default_factory=list)


def count_nodes(
    document: DocumentNode,
    *,
    mutation_type: str | None,
    is_credential_check: Callable[[FieldNode], bool],
) -> NodeCounts:
    """Count aliases, root fields, directives and root credential-check fields.

    A field is at the mutation root when its selection set is a mutation
    operation's, or an inline fragment's or a fragment's on the mutation type
    reached from there (a fragment ``on Mutation`` can be spread nowhere else).
    """
    counts = NodeCounts()
    for definition in document.definitions:
        if not isinstance(definition, OperationDefinitionNode | FragmentDefinitionNode):
            continue
        _count_directives(counts, definition)
        for variable in getattr(definition, "variable_definitions", None) or ():
            _count_directives(counts, variable)
        if isinstance(definition, OperationDefinitionNode):
            counts.root_fields = max(
                counts.root_fields, len(definition.selection_set.selections)
            )
            at_root = definition.operation == OperationType.MUTATION
        else:
            at_root = definition.type_condition.name.value == mutation_type
        for selection, root_level in _selections(definition.selection_set, at_root):
            _count_directives(counts, selection)
            if not isinstance(selection, FieldNode):
                continue
            if selection.alias is not None:
                counts.aliases += 1
            if root_level and is_credential_check(selection):
                counts.credential_checks.append(selection)
    return counts


def _selections(root: SelectionSetNode, at_root: bool) -> Iterator[tuple[Any, bool]]:
    """Yield every selection under ``root`` once, with whether it is root-level."""
    stack = [(root, at_root)]
    while stack:
        selection_set, root_level = stack.pop()
        for selection in selection_set.selections:
            yield selection, root_level
            if isinstance(selection, InlineFragmentNode):
                stack.append((selection.selection_set, root_level))
            elif isinstance(selection, FieldNode) and selection.selection_set:
                stack.append((selection.selection_set, False))


def _count_directives(counts: NodeCounts, node: Any) -> None:
    directives = getattr(node, "directives", None)
    if not directives:
        return
    counts.directives += len(directives)
    if len(directives) > counts.directives_on_one:
        counts.directives_on_one, counts.most_directed = len(directives), node
