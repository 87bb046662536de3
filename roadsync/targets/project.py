"""A GitHub Projects v2 field, by name: single-select by option id (resolved from the option name),
text, number, date; ``None`` clears.

An issue missing from the board is added first (``addProjectV2ItemById``, idempotent) when
``add_missing_items``. Updates are held by the writer and sent as aliased
``updateProjectV2ItemFieldValue`` / ``clearProjectV2ItemFieldValue`` mutations (batched).
Nothing is sent when the board, as read, already holds the value. Source:
https://docs.github.com/en/issues/planning-and-tracking-with-projects/automating-your-project/using-the-api-to-manage-projects
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from roadsync.changes import FieldChange, WriteOutcome
from roadsync.config.model import FieldTarget
from roadsync.connectors.model import Item
from roadsync.targets.base import (
    Current,
    GithubDoctor,
    GithubSite,
    Problem,
    Refused,
    TargetContext,
    TargetKind,
    missing,
)
from roadsync.targets.field import field_value

if TYPE_CHECKING:
    from roadsync.connectors.github.graphql import Kind

__all__ = ["DATA_TYPES", "BoardField"]

DATA_TYPES: Mapping[str, Kind] = {
    "SINGLE_SELECT": "singleSelectOptionId",
    "TEXT": "text",
    "NUMBER": "number",
    "DATE": "date",
}
"""Board field data type -> the ``ProjectV2FieldValue`` input member that sets it."""


class BoardField(TargetKind):
    name = "project"
    trackers = frozenset({"github"})
    github_budget = "graphql"
    batched = True

    def current(self, item: Item, target: FieldTarget) -> Current:
        return field_value(item, target.field or "")

    def problems(self, target: FieldTarget, context: TargetContext) -> Iterator[Problem]:
        if not target.field:
            example = context.name.capitalize()
            yield (("field",), f'target `project` needs the field\'s name (e.g. field = "{example}")')
        if context.tracker == "github" and context.github_board is False:
            yield (("target",), "target `project` needs a [github.project] board; add one")
        yield from super().problems(target, context)

    def github_write(self, item: Item, changes: list[FieldChange], site: GithubSite) -> list[WriteOutcome]:
        board = site.board()
        outcomes: list[WriteOutcome] = []
        for change in changes:
            try:
                update = _update(site, board, item, change)
            except Refused as exc:
                outcomes.append(WriteOutcome(change, "failed", str(exc)))
                continue
            if update is None:
                outcomes.append(WriteOutcome(change, "skipped"))
                continue
            outcomes += site.hold(change, update)
        return outcomes

    def doctor_github(self, doctor: GithubDoctor, targets: Sequence[tuple[str, FieldTarget]]) -> None:
        """Each field is on the board with a type roadsync can set, and a single-select has every
        option the plan may write."""
        fields = doctor.board_fields()
        if fields is None:
            return
        for name, target in targets:
            _check_field(doctor, name, target.field or name, fields, doctor.needed(name, target))


def _update(site: GithubSite, board: Any, item: Item, change: FieldChange) -> Any:
    from roadsync.connectors.github.graphql import FieldUpdate

    name = site.target(change).field or change.field
    field = board.fields.get(name)
    if field is None or field.data_type not in DATA_TYPES:
        raise Refused(f"the board has no text/number/date/single-select field {name!r} [source github]")
    # The item carries its board item id and values from the pull that planned this change,
    # so the writer never re-reads the board's pages (ceil(items / 100) requests).
    current = item.fields.get(name) if item.project_item_id else None
    if _same(field, current, change.new):
        return None
    item_id = item.project_item_id or site.memo(
        f"board-item:{item.key}", lambda: _add_to_board(site, board, item)
    )
    return FieldUpdate(item_id, field.id, DATA_TYPES[field.data_type], _value(field, change.new))


def _add_to_board(site: GithubSite, board: Any, item: Item) -> str:
    from roadsync.connectors.github.graphql import ADD_ITEM_MUTATION

    project = site.config.project
    if project is None or not project.add_missing_items:
        raise Refused(f"{item.key} is not on the board and add_missing_items is off [source github]")
    result = site.client.graphql(ADD_ITEM_MUTATION, {"project": board.project_id, "content": item.native_id},
                                 item=item.key)  # fmt: skip
    item_id = str(((result.data.get("addProjectV2ItemById") or {}).get("item") or {}).get("id") or "")
    if not item_id:
        raise Refused(f"GitHub did not add {item.key} to the board [source github]")
    return item_id


def _number_text(value: float) -> str:
    from roadsync.connectors.github.convert import number_text

    return number_text(value)


def _same(field: Any, current: str | None, new: str | None) -> bool:
    if current is None or new is None:
        return current == new
    if field.data_type == "NUMBER":
        try:
            return _number_text(float(current)) == _number_text(float(new))
        except ValueError:
            return False
    return current == new


def _value(field: Any, new: str | None) -> str | float | None:
    if new is None:
        return None
    if field.data_type == "SINGLE_SELECT":
        option = field.options.get(new)
        if option is None:
            raise Refused(f"the board field {field.name!r} has no option {new!r} [source github]")
        return str(option)
    if field.data_type == "NUMBER":
        try:
            return float(new)
        except ValueError:
            raise Refused(f"{new!r} is not a number for board field {field.name!r} [source github]") from None
    return new


def _check_field(
    doctor: GithubDoctor, name: str, label: str, fields: Mapping[str, Any], wanted: list[str]
) -> None:
    probe = doctor.probe
    check = f"{name}: board field {label}"
    node = fields.get(label)
    if node is None:
        probe.add(check, "fail", f"the board has no field named \"{label}\" (it has: {', '.join(fields)})",
                  f"add a single-select field \"{label}\" to the board, or name an existing one in "
                  f"fields.{name}.github.field")  # fmt: skip
        return
    kind = str(node.get("dataType"))
    if kind != "SINGLE_SELECT":
        ok = kind in ("TEXT", "NUMBER")
        probe.add(check, "ok" if ok else "fail", f"\"{label}\" is a {kind} field",
                  None if ok else "use a single-select, text or number field")  # fmt: skip
        return
    options = [str(o.get("name")) for o in node.get("options") or ()]
    absent = missing(wanted, options)
    if absent:
        probe.add(check, "fail",
                  f"options missing: {', '.join(absent)} (the field has: {', '.join(options)})",
                  f"add the options to \"{label}\" on the board, or map values to existing options in "
                  f"fields.{name}.github.values")  # fmt: skip
    else:
        probe.add(check, "ok", f"single-select with all {len(wanted)} options the plan needs")
