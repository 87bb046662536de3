"""What a configured Jira site lets roadsync set on one issue, learned as a non-admin token can.

Real sites decide per project and issue type (research/jira.md §1-§4):

- **which fields an edit may set**: those on the edit screen of the issue's project and issue type
  that have a context there (a team-managed project uses only its own fields). ``GET
  /issue/{key}/editmeta`` lists exactly those for an issue and holds for its project and issue type
  while the status is editable, so it is read once per (project, issue type) per run, from the
  first issue of that pair roadsync writes (getEditIssueMeta; research §1 "Cheapest way");
- **which priorities and options it takes**: editmeta's ``allowedValues`` (the project's priority
  scheme, §3; the options of the field's context for that project and issue type, §2);
- **which field a name means**: ``GET /field`` lists fields whose names repeat (duplicates, and a
  team-managed project's own field, which carries ``scope``, §4). A name resolves per project: the
  project's own field first, else the global ones on the issue's edit screen; two left is an
  ambiguity reported with the candidates, never a guess (the jira library keeps the last).

A field may also be named by id (``customfield_10020``), which is never ambiguous.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from roadsync.connectors.model import Item
from roadsync.errors import NotFoundError, RemoteRefused

__all__ = [
    "AmbiguousField",
    "FieldInfo",
    "NoSuchField",
    "NotOnScreen",
    "SiteRules",
    "explain",
    "field_candidates",
]


@dataclass(frozen=True)
class FieldInfo:
    """One ``/field`` entry; ``scope`` is the id of the team-managed project that owns it."""

    id: str
    name: str
    schema: Mapping[str, Any]
    scope: str | None = None

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> FieldInfo:
        scope = ((raw.get("scope") or {}).get("project") or {}).get("id")
        return cls(str(raw.get("id")), str(raw.get("name")), raw.get("schema") or {}, scope and str(scope))

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "schema": dict(self.schema)}

    def where(self, project_keys: Mapping[str, str]) -> str:
        """Where the field applies, for people: ``global`` or ``team-managed project MOB``."""
        if self.scope is None:
            return "global"
        return f"team-managed project {project_keys.get(self.scope, self.scope)}"


class NoSuchField(LookupError):
    """The site has no field by that name or id."""


class NotOnScreen(LookupError):
    """Several fields share the name and none is on the issue's edit screen."""

    def __init__(self, ref: str, candidates: list[FieldInfo]) -> None:
        self.ref, self.candidates = ref, candidates
        super().__init__(ref)


class AmbiguousField(LookupError):
    """A field name that several fields share where roadsync would write it."""

    def __init__(self, ref: str, project: str, candidates: list[str]) -> None:
        self.ref, self.project, self.candidates = ref, project, candidates
        first = candidates[0].split(" ")[0]
        super().__init__(
            f"field name '{ref}' is ambiguous in {project}: {len(candidates)} fields have it "
            f'({"; ".join(candidates)}); name the one to manage by its id (field = "{first}")'
        )


def field_candidates(
    catalog: list[FieldInfo], ref: str, project_id: Callable[[], str | None]
) -> list[FieldInfo]:
    """The fields ``ref`` (an id or a name) may mean in a project (``project_id()`` gives its id,
    asked only when a team-managed field has the name): by id, that field; by name, the project's
    own fields if it has one by that name, else the global ones."""
    by_id = [f for f in catalog if f.id == ref]
    if by_id:
        return by_id
    named = [f for f in catalog if f.name == ref]
    named = named or [f for f in catalog if f.name.casefold() == ref.casefold()]
    pid = project_id() if any(f.scope is not None for f in named) else None
    own = [f for f in named if pid is not None and f.scope == pid]
    return own or [f for f in named if f.scope is None]


def explain(meta: Mapping[str, Any] | None, key: str, item: Item, name: str) -> str:
    """Why a site refuses field ``key`` (named ``name``) on ``item``, from its editmeta: off the
    issue type's edit screen, or the values it allows there (empty when editmeta says no more)."""
    if meta is None:
        return ""
    kind = item.issue_type or "this issue type"
    entry = meta.get(key)
    if not isinstance(entry, Mapping):
        return f"{name} is not on the edit screen of {kind} in {item.scope}"
    values = [v for v in entry.get("allowedValues") or () if isinstance(v, Mapping)]
    allowed = ", ".join(str(v.get("name") or v.get("value")) for v in values)
    if key == "priority" and allowed:
        return f"{item.scope}'s priority scheme has {allowed}"
    return f"{name} allows {allowed} for {kind} in {item.scope}" if allowed else ""


class SiteRules:
    """The site's rules for one run, each looked up once (thread-safe: a writer has several
    items in flight). ``get(path)`` is the client's JSON GET."""

    def __init__(self, get: Callable[[str], Any]) -> None:
        self._get = get
        self._lock = threading.RLock()
        self._catalog: list[FieldInfo] | None = None
        self._projects: dict[str, str] = {}  # key -> id ("" when unreadable)
        self._meta: dict[tuple[str, str], Mapping[str, Any] | None] = {}

    def catalog(self) -> list[FieldInfo]:
        """Every field of the site (``GET /field``, once)."""
        with self._lock:
            if self._catalog is None:
                answer = self._get("field") or []
                fields = [f for f in answer if isinstance(f, dict) and f.get("id")]
                self._catalog = [FieldInfo.from_json(f) for f in fields]
            return self._catalog

    def project_id(self, key: str) -> str | None:
        """A project's id (``GET /project/{key}``, once per project; None when unreadable)."""
        with self._lock:
            if key not in self._projects:
                answer = self._read(f"project/{key}")
                self._projects[key] = str(answer.get("id") or "") if isinstance(answer, dict) else ""
            return self._projects[key] or None

    def editmeta(self, item: Item) -> Mapping[str, Any] | None:
        """The editmeta ``fields`` of ``item``'s project and issue type (read once per pair, from
        the first item asked about); None when it cannot be read (then Jira decides on the PUT)."""
        pair = (item.scope, item.issue_type or "")
        with self._lock:
            if pair not in self._meta:
                answer = self._read(f"issue/{item.key}/editmeta")
                fields = answer.get("fields") if isinstance(answer, dict) else None
                self._meta[pair] = fields if isinstance(fields, dict) else None
            return self._meta[pair]

    def name_of(self, key: str) -> str:
        """A field's name for people (``priority`` -> ``Priority``)."""
        found = next((f.name for f in self.catalog() if f.id == key), None)
        return found or {"priority": "Priority", "labels": "Labels", "components": "Components"}.get(key, key)

    def field_for(self, item: Item, ref: str) -> FieldInfo:
        """The field ``ref`` means on ``item``: the one on its edit screen when several share the
        name (a lone field off the screen is returned; the caller reports it as not editable).
        Raises :class:`NoSuchField`, :class:`NotOnScreen` when several share the name and none is
        on the screen, or :class:`AmbiguousField` when several remain."""
        candidates = field_candidates(self.catalog(), ref, lambda: self.project_id(item.scope))
        if len(candidates) <= 1:
            if not candidates:
                raise NoSuchField(ref)
            return candidates[0]
        meta = self.editmeta(item)
        on_screen = [c for c in candidates if meta is not None and c.id in meta]
        if len(on_screen) == 1:
            return on_screen[0]
        if meta is not None and not on_screen:
            raise NotOnScreen(ref, candidates)
        keys = {pid: key for key, pid in self._projects.items() if pid}
        shown = on_screen or candidates
        raise AmbiguousField(ref, item.scope, [f"{c.id} ({c.where(keys)})" for c in shown])

    def _read(self, path: str) -> Any:
        try:
            return self._get(path)
        except (NotFoundError, RemoteRefused):
            return None
