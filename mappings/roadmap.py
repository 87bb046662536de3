"""The roadmap model: themes, their match blocks, and the roadmap as a whole. Pure data.

Built from validated config by :func:`roadsync.config.load.load_roadmap` (pydantic at the edge);
everything inside roadsync uses these frozen dataclasses.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Literal, get_args

Horizon = Literal["now", "next", "later"]
ThemeStatus = Literal["active", "paused", "retired"]
Alignment = Literal["aligned", "inherited", "unaligned", "retired", "paused"]
ALIGNMENTS: tuple[str, ...] = get_args(Alignment)

DEFAULT_LEVELS: tuple[str, ...] = ("P0", "P1", "P2", "P3", "P4")

__all__ = [
    "ALIGNMENTS",
    "DEFAULT_LEVELS",
    "Alignment",
    "Horizon",
    "MatchBlock",
    "Roadmap",
    "Theme",
    "ThemeStatus",
]


@dataclass(frozen=True)
class MatchBlock:
    """One ``[[themes.match]]`` block: it matches when **all** its non-empty conditions hold.

    List conditions match when the item has any of the listed values (labels, components,
    repos, projects, issue types, keys, epics/parents). ``title`` and ``text`` are regular
    expressions (``text`` searches title and body). ``status`` lists status names or status
    categories (``todo``, ``in_progress``, ``done``).
    """

    labels: tuple[str, ...] = ()
    components: tuple[str, ...] = ()
    epics: tuple[str, ...] = ()
    parents: tuple[str, ...] = ()
    repos: tuple[str, ...] = ()
    projects: tuple[str, ...] = ()
    issue_types: tuple[str, ...] = ()
    title: str | None = None
    text: str | None = None
    keys: tuple[str, ...] = ()
    status: tuple[str, ...] = ()


@dataclass(frozen=True)
class Theme:
    """A strategic theme of the roadmap; ``order`` is its position in the file (ties)."""

    id: str
    name: str
    priority: str
    horizon: Horizon = "now"
    status: ThemeStatus = "active"
    target_share: float | None = None
    owner: str | None = None
    aliases: tuple[str, ...] = ()
    retire_after: date | None = None
    match: tuple[MatchBlock, ...] = ()
    order: int = 0


@dataclass(frozen=True)
class Roadmap:
    """Ranked themes plus the priority levels they use (highest first)."""

    themes: tuple[Theme, ...]
    levels: tuple[str, ...] = DEFAULT_LEVELS
    allocation_tolerance: float = 0.10
    _by_id: dict[str, Theme] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        index: dict[str, Theme] = {}
        for theme in self.themes:
            index[theme.id] = theme
        for theme in self.themes:
            for alias in theme.aliases:
                index.setdefault(alias, theme)
        object.__setattr__(self, "_by_id", index)

    def resolve(self, theme_id: str) -> Theme | None:
        """The theme with this id or alias, or ``None`` when the roadmap does not define it."""
        return self._by_id.get(theme_id)

    @property
    def checksum(self) -> str:
        """SHA-256 over the roadmap's meaning (themes in file order with every field, levels,
        tolerance), not its file: reformatting the TOML keeps it, any edit a PM makes changes it.
        A report's history marks a roadmap edit where consecutive snapshots' checksums differ."""
        meaning = {
            "themes": [asdict(theme) for theme in self.themes],
            "levels": list(self.levels),
            "allocation_tolerance": self.allocation_tolerance,
        }
        body = json.dumps(meaning, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
        return hashlib.sha256(body.encode("utf-8")).hexdigest()

    def rank(self, level: str) -> int:
        """Position of a priority level, 0 for the highest; unknown levels rank last."""
        try:
            return self.levels.index(level)
        except ValueError:
            return len(self.levels)
