"""What a target kind is, and what it may call on the parts that use it.

A *target kind* is where a managed field lives in a tracker: Jira's built-in priority, labels with
a prefix, a Jira custom field, a GitHub Projects v2 field, a GitHub issue type, Jira components.
One :class:`TargetKind` object per kind knows everything about it:

- **plan** (pure): read the current value off an :class:`~roadsync.connectors.model.Item`
  (:meth:`~TargetKind.current`), convert roadmap <-> tracker-native values
  (:meth:`~TargetKind.to_native`, :meth:`~TargetKind.to_roadmap`);
- **config**: the problems of a ``[fields.<name>.<tracker>]`` table (:meth:`~TargetKind.problems`);
- **write**: its part of a Jira ``PUT /issue`` body (:meth:`~TargetKind.jira_edit`, through a
  :class:`JiraSite`), or its GitHub requests (:meth:`~TargetKind.github_write`, through a
  :class:`GithubSite`);
- **doctor**: its preflight checks (:meth:`~TargetKind.doctor_jira` / :meth:`~TargetKind.doctor_github`).

The planner, the writers, the config checks and the doctors ask :func:`roadsync.targets.kind_of`
for the kind and never test a kind's name. Kinds import no connector, library or doctor code: the
protocols below are what those parts hand them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal, Protocol, TypeVar

from roadsync.changes import FieldChange, WriteOutcome
from roadsync.config.model import FieldTarget
from roadsync.connectors.model import Item

__all__ = [
    "SCREEN_REFUSAL",
    "Current",
    "DoctorProbe",
    "GithubDoctor",
    "GithubSite",
    "JiraDoctor",
    "JiraEdit",
    "JiraSite",
    "Problem",
    "Refused",
    "Screen",
    "TargetContext",
    "TargetKind",
    "Unwritable",
    "allowed_values",
    "missing",
]

T = TypeVar("T")
Problem = tuple[tuple[str, ...], str]
"""A config problem of a target: the key path inside its table, and the message with the fix."""
Level = Literal["ok", "info", "warn", "fail"]


@dataclass(frozen=True)
class Current:
    """The value a managed field has on an item now, tracker-native.

    ``ambiguous`` is set when a multi-valued target (labels, components) finds several values
    that roadsync could own: it cannot tell which one is meant, so it never writes that field
    and reports it.
    """

    value: str | None
    ambiguous: tuple[str, ...] = ()


@dataclass(frozen=True)
class TargetContext:
    """What a config check of one target may look at besides the target itself."""

    name: str
    """The managed field: ``priority``, ``theme`` or ``alignment``."""
    tracker: str
    """``jira`` or ``github``."""
    known_values: Sequence[str]
    """The roadmap values ``values`` must map from (priority levels, alignments); empty: any."""
    github_board: bool | None
    """Whether ``[github.project]`` is configured (``None``: no ``[github]`` section)."""
    theme_ids: Sequence[str] = ()
    """Every theme id of the roadmap."""


class Refused(Exception):
    """A change that cannot be written (unknown field, bad number, ambiguous name); the message is
    the outcome's one-line reason (a ``failed`` outcome)."""


class Unwritable(Refused):
    """A change the site refuses for a reason of its configuration (not on the issue type's edit
    screen, a priority outside the project's scheme, an option outside the field's context, a label
    Jira cannot store): an ``unwritable`` outcome whose message is the tracker's reason."""


@dataclass
class JiraEdit:
    """One Jira ``PUT /rest/api/{v}/issue/{key}`` body being built, and the changes it carries.

    ``fields`` sets whole values (``{"priority": {"name": "High"}}``); ``update`` holds verb
    operations per field (``{"labels": [{"add": "theme/x"}]}``), which never replace a set.
    """

    fields: dict[str, Any] = field(default_factory=dict)
    update: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    changes: list[FieldChange] = field(default_factory=list)
    properties: list[dict[str, Any]] = field(default_factory=list)
    """Issue entity properties set by the same edit (roadsync's ownership markers)."""

    def operation(self, field_id: str, verb: str, value: Any) -> None:
        """Append one ``update`` operation (``add``/``remove``/``set``) for ``field_id``."""
        self.update.setdefault(field_id, []).append({verb: value})

    def json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"fields": self.fields, "update": {k: v for k, v in self.update.items() if v}}
        if self.properties:
            body["properties"] = self.properties
        return body


class JiraSite(Protocol):
    """What a kind may ask of the Jira writer: the site's rules, each looked up once per writer
    (:class:`roadsync.connectors.jira.site.SiteRules`)."""

    @property
    def api_version(self) -> str: ...

    @property
    def flavor(self) -> str:
        """``cloud`` or ``datacenter`` (Jira words some refusals differently)."""
        ...

    def priorities(self) -> list[str]:
        """The site's priority names (``/priority``): the check when editmeta cannot be read."""
        ...

    def field(self, item: Item, ref: str) -> Mapping[str, Any]:
        """The ``/field`` entry that ``ref`` (a name or ``customfield_N``) means on ``item``:
        a team-managed project's own field first, else the one on the edit screen. Raises
        :class:`Refused` for an unknown field and for a name two fields there share."""
        ...


class GithubSite(Protocol):
    """What a kind may ask of the GitHub writer."""

    @property
    def client(self) -> Any:
        """The :class:`~roadsync.connectors.github.client.GithubClient`: ``rest``, ``graphql``,
        ``requests``."""
        ...

    @property
    def config(self) -> Any:
        """The :class:`~roadsync.config.model.GithubConfig`."""
        ...

    def target(self, change: FieldChange) -> FieldTarget: ...

    def memo(self, key: str, compute: Callable[[], T]) -> T:
        """``compute()`` once per writer and key (repo label lists, board item ids)."""
        ...

    def board(self) -> Any:
        """The configured board's :class:`~roadsync.connectors.github.convert.ProjectSnapshot`
        (read once per writer); raises :class:`Refused` when no board is configured."""
        ...

    def next_link(self, headers: Mapping[str, str]) -> str | None:
        """The ``rel="next"`` URL of a ``link`` header (the API's own last-page signal)."""
        ...

    def hold(self, change: FieldChange, update: Any) -> list[WriteOutcome]:
        """Queue a board update for the next batched mutation; outcomes of a batch it filled."""
        ...

    def hold_labels(self, changes: list[FieldChange], ops: list[Any]) -> list[WriteOutcome]:
        """Queue one item's label ``changes`` and the label adds/removes (``LabelChange``) carrying
        them for the next batched mutation; outcomes of a document it filled."""
        ...


class DoctorProbe(Protocol):
    """The doctor's collector of checks (``roadsync.doctor.preflight.Probe``)."""

    def add(self, check: str, level: Level, detail: str, fix: str | None = None) -> Any: ...

    def guard(self, check: str, func: Callable[[], Any], fix: str | None = None) -> Any: ...


@dataclass(frozen=True, eq=False)
class Screen:
    """An issue type of a project that holds items in scope: a sample issue, and the fields an
    edit of it may set (its editmeta ``fields``; ``None`` when unreadable)."""

    project: str
    issue_type: str
    sample: str
    meta: Mapping[str, Any] | None


class JiraDoctor(Protocol):
    """What a kind's Jira preflight may use (``roadsync.doctor.jira``)."""

    @property
    def probe(self) -> DoctorProbe: ...

    @property
    def client(self) -> Any:
        """The connected :class:`~roadsync.connectors.jira.client.JiraClient` (``get``)."""
        ...

    @property
    def projects(self) -> Sequence[Any]:
        """The configured projects that exist: ``.key``, ``.sample``."""
        ...

    def needed(self, name: str, target: FieldTarget) -> list[str]:
        """The tracker-native values the plan may write for managed field ``name``."""
        ...

    def editmeta(self, project: Any) -> Mapping[str, Any] | None:
        """A sample issue's editmeta fields in ``project`` (read once per project)."""
        ...

    def screens(self) -> Sequence[Screen]:
        """Every (project, issue type) holding items in scope, with a sample's editmeta (read once)."""
        ...

    def levels(self) -> Sequence[str]: ...


class GithubDoctor(Protocol):
    """What a kind's GitHub preflight may use (``roadsync.doctor.github``)."""

    @property
    def probe(self) -> DoctorProbe: ...

    def get(self, check: str, path: str, params: Mapping[str, Any] | None = None) -> Any:
        """A REST GET (an answer with ``.data``), or ``None`` after recording ``check`` as failed."""
        ...

    @property
    def repos(self) -> Sequence[Any]:
        """The repositories in scope that the token can read: ``.name``."""
        ...

    def needed(self, name: str, target: FieldTarget) -> list[str]: ...

    def board_fields(self) -> Mapping[str, Any] | None:
        """The board's fields by name (read once), or ``None`` when it cannot be read."""
        ...


class TargetKind:
    """One target kind; subclasses set :attr:`name` and :attr:`trackers` and override what applies.

    The defaults are a single-valued target whose ``values`` map roadmap values to native ones
    (unmapped values pass through), with no writes and no preflight checks.
    """

    name: ClassVar[str]
    trackers: ClassVar[frozenset[str]]
    github_budget: ClassVar[Literal["core", "graphql"] | None] = None
    """Which GitHub budget one write of this kind spends (the doctor's estimate)."""
    batched: ClassVar[bool] = False
    """GitHub: writes are held for a batched mutation (sent after the unbatched kinds)."""

    # -- plan (pure) ---------------------------------------------------------------------------

    def values(self, target: FieldTarget) -> Mapping[str, str]:
        """Roadmap value -> tracker-native value, as configured (or the kind's defaults)."""
        return target.values

    def to_native(self, target: FieldTarget, value: str | None) -> str | None:
        """Roadmap value -> what the tracker holds; ``None`` stays ``None`` (clear)."""
        return None if value is None else self.values(target).get(value, value)

    def to_roadmap(self, target: FieldTarget, native: str | None) -> str | None:
        """Tracker-native value -> roadmap value; the inverse of :meth:`to_native`."""
        if native is None:
            return None
        return {v: k for k, v in self.values(target).items()}.get(native, native)

    def current(self, item: Item, target: FieldTarget) -> Current:
        """The field's tracker-native value on ``item`` now."""
        raise NotImplementedError

    def signature(self, target: FieldTarget) -> str:
        """What identifies this target in an ownership record (:class:`~roadsync.connectors.model.Mark`):
        a record made for another target (the config moved the field) is not one for this one."""
        where = target.field or target.prefix or ""
        return f"{self.name}:{where}" if where else self.name

    def same(self, item: Item, a: str | None, b: str | None) -> bool:
        """Whether native values ``a`` and ``b`` are one value on ``item``'s tracker (default: equal;
        GitHub label names ignore case)."""
        return a == b

    def jira_read_field(self, target: FieldTarget) -> str | None:
        """A Jira custom field (by name) the reader must fetch for this target, if any."""
        return None

    # -- config --------------------------------------------------------------------------------

    def problems(self, target: FieldTarget, context: TargetContext) -> Iterator[Problem]:
        """Problems of a target table: ``(key path inside the table, message with the fix)``."""
        for key in target.values if context.known_values else ():
            if key not in context.known_values:
                yield (("values", key), f"`{key}` is not a {context.name} value; "
                       f"use one of {', '.join(context.known_values)}")  # fmt: skip

    # -- writes --------------------------------------------------------------------------------

    def jira_edit(self, edit: JiraEdit, item: Item, change: FieldChange, target: FieldTarget,
                  site: JiraSite) -> bool:  # fmt: skip
        """Put ``change`` into ``edit``; False when it would change nothing on ``item``.
        Raises :class:`Refused` when it cannot be written."""
        raise Refused(f"no Jira target for field '{change.field}'")

    def github_write(self, item: Item, changes: list[FieldChange], site: GithubSite) -> list[WriteOutcome]:
        """Write one item's changes of this kind; one outcome each (or held for a batch).
        Tracker errors raise; the writer turns them into outcomes."""
        raise Refused(f"no GitHub target for field '{changes[0].field}'")

    # -- doctor --------------------------------------------------------------------------------

    def doctor_jira(self, doctor: JiraDoctor, targets: Sequence[tuple[str, FieldTarget]]) -> None:
        """Preflight checks of this kind's Jira targets (reads only)."""

    def doctor_github(self, doctor: GithubDoctor, targets: Sequence[tuple[str, FieldTarget]]) -> None:
        """Preflight checks of this kind's GitHub targets (reads only)."""


SCREEN_REFUSAL = "Field '{}' cannot be set. It is not on the appropriate screen, or unknown."
"""Jira's answer to an edit of a field that is off the issue's edit screen, has no context there
or is unknown (Cloud and Data Center alike; research/jira.md §1)."""


def missing(wanted: Sequence[str], have: Iterable[str]) -> list[str]:
    """The ``wanted`` values not in ``have``, in ``wanted``'s order."""
    existing = set(have)
    return [value for value in wanted if value not in existing]


def allowed_values(meta: Mapping[str, Any] | None, field_id: str, key: str) -> list[str] | None:
    """The ``allowedValues`` of a field in a Jira editmeta (their ``key`` members), or ``None``."""
    entry = (meta or {}).get(field_id)
    if not isinstance(entry, dict) or "allowedValues" not in entry:
        return None
    return [str(v.get(key)) for v in entry["allowedValues"] if isinstance(v, dict) and v.get(key)]
