"""Benchmark of the mapping layer: map a synthetic backlog against a synthetic roadmap.

Target (issue 5): 100k items against 200 themes with mixed conditions in <= 1 s on a 2-core
machine, <= 300 MB peak RSS. Run it with::

    python -m bench.mapping              # or: python -m bench.mapping --items 20000 --themes 50

The data is generated deterministically (seeded), so runs compare. Generation is not timed;
peak RSS is the whole process's (items included), as the operating system reports it.
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import time
from typing import Any

from roadsync.connectors.model import Item, Kind
from roadsync.mappings.engine import assign
from roadsync.mappings.roadmap import MatchBlock, Roadmap, Theme, ThemeStatus

__all__ = ["make_items", "make_roadmap", "run"]

_PROJECTS = tuple(f"P{n}" for n in range(10))
_REPOS = tuple(f"acme/repo{n}" for n in range(10))
_TYPES = ("Story", "Bug", "Task", "Spike")
_STATUSES = (
    ("To Do", "todo"), ("In Progress", "in_progress"), ("In Review", "in_progress"), ("Done", "done"),
)  # fmt: skip
_WORDS = ("checkout", "search", "login", "billing", "mobile", "api", "export", "onboarding", "perf", "audit")


def _block(rng: random.Random, theme: int, epics: list[str], keys: list[str]) -> MatchBlock:
    """One block of a rotating mix of condition kinds, so every code path is exercised."""
    kind = rng.randrange(9)
    label = f"area-{rng.randrange(400)}"
    if kind == 0:
        return MatchBlock(labels=(label, f"team-{theme}"))
    if kind == 1:
        return MatchBlock(components=(f"comp-{rng.randrange(80)}",), projects=(rng.choice(_PROJECTS),))
    if kind == 2:
        return MatchBlock(repos=(rng.choice(_REPOS),), issue_types=(rng.choice(_TYPES),), labels=(label,))
    if kind == 3:
        return MatchBlock(title=rf"(?i)\b{rng.choice(_WORDS)}[- ]?{rng.randrange(50)}\b")
    if kind == 4:
        return MatchBlock(text=rf"\bfeature-{rng.randrange(300)}\b", labels=(label,))
    if kind == 5:
        return MatchBlock(epics=tuple(rng.sample(epics, 3)))
    if kind == 6:
        return MatchBlock(keys=tuple(rng.sample(keys, 5)))
    if kind == 7:
        return MatchBlock(status=("In Review",), labels=(label,))
    return MatchBlock(parents=(rng.choice(epics),), title=rf"(?i){rng.choice(_WORDS)}")


def make_roadmap(themes: int, items: list[Item], seed: int = 7) -> Roadmap:
    """``themes`` themes of 1-3 blocks each, priorities P0..P4, a few paused or retired."""
    rng = random.Random(seed)
    epics = [item.key for item in items if item.kind == "epic"] or ["P0-1"]
    keys = [item.key for item in items[:: max(1, len(items) // 5000)]]
    result = []
    for n in range(themes):
        blocks = tuple(_block(rng, n, epics, keys) for _ in range(rng.randint(1, 3)))
        status: ThemeStatus = "retired" if n % 37 == 5 else "paused" if n % 41 == 7 else "active"
        theme = Theme(
            id=f"theme-{n}", name=f"Theme {n}", priority=f"P{rng.randrange(5)}", status=status,
            aliases=(f"old-{n}",), match=blocks, order=n,
        )  # fmt: skip
        result.append(theme)
    return Roadmap(themes=tuple(result))


def _item(rng: random.Random, n: int, epics: list[str], issues: list[str]) -> Item:
    jira = n % 2 == 0
    scope = _PROJECTS[n % 10] if jira else _REPOS[n % 10]
    key = f"{scope}-{n}" if jira else f"{scope}#{n}"
    kind: Kind = "epic" if n % 100 == 0 else "sub-task" if n % 10 == 3 and issues else "issue"
    parent = rng.choice(issues) if kind == "sub-task" else None
    if kind == "issue" and epics and n % 5 < 3:
        parent = rng.choice(epics)
    status, category = rng.choice(_STATUSES)
    word = rng.choice(_WORDS)
    return Item(
        source="jira" if jira else "github", key=key, scope=scope, url=f"https://example.test/{n}",
        kind=kind, title=f"Improve {word} {rng.randrange(60)} for feature-{rng.randrange(400)} users",
        body=f"As a user I want {word} to work. " * 4,
        labels=tuple(f"area-{rng.randrange(500)}" for _ in range(rng.randrange(4))),
        components=(f"comp-{rng.randrange(100)}",) if jira else (),
        status=status, status_category=category,  # type: ignore[arg-type]
        issue_type=rng.choice(_TYPES) if kind == "issue" else None, parent=parent,
        links=(f"acme/repo{n % 10}#{n + 1}",) if jira and n % 20 == 0 else (),
        estimate=float(rng.randrange(1, 9)) if n % 3 else None,
    )  # fmt: skip


def make_items(count: int, seed: int = 11) -> list[Item]:
    """A mixed Jira/GitHub backlog: 1% epics, stories under epics, sub-tasks under stories."""
    rng = random.Random(seed)
    items: list[Item] = []
    epics: list[str] = []
    issues: list[str] = []
    for n in range(count):
        item = _item(rng, n, epics, issues)
        items.append(item)
        (epics if item.kind == "epic" else issues).append(item.key)
    return items


def peak_rss_mb() -> float:
    """This process's peak resident set in MB: ``VmHWM`` from ``/proc/self/status`` on Linux.

    Not ``ru_maxrss``: Linux keeps it across ``execve``, so a child started by ``subprocess``
    reports the forking parent's peak when that is higher [docs: getrusage(2), "ru_maxrss ...
    preserved across execve"; proc(5) ``VmHWM``: "Peak resident set size"]. Elsewhere (macOS)
    ``ru_maxrss`` (bytes) is what there is."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def run(items: int = 100_000, themes: int = 200, repeat: int = 3) -> dict[str, Any]:
    """Map ``items`` synthetic items against ``themes`` themes; print and return the figures.

    The first run includes compiling the roadmap (``cold_seconds``); ``seconds`` is the best
    of ``repeat`` runs, the usual way to read a benchmark on a machine shared with others.
    """
    backlog = make_items(items)
    roadmap = make_roadmap(themes, backlog)
    pins = {item.key: f"old-{n % themes}" for n, item in enumerate(backlog[::997])}
    rss_before = peak_rss_mb()
    timings: list[float] = []
    runs = max(1, repeat)
    for n in range(runs):
        started = time.perf_counter()
        result = assign(backlog, roadmap, pins)
        timings.append(time.perf_counter() - started)
        if n < runs - 1:
            del result  # keep one result alive at a time, so peak RSS reads like one run
    seconds = min(timings)
    steps: dict[str, int] = {}
    for assignment in result.values():
        steps[assignment.step] = steps.get(assignment.step, 0) + 1
    figures: dict[str, Any] = {
        "items": items, "themes": themes, "seconds": round(seconds, 3),
        "cold_seconds": round(timings[0], 3), "items_per_s": round(items / seconds) if seconds else None,
        "peak_rss_mb": round(peak_rss_mb(), 1), "rss_before_mapping_mb": round(rss_before, 1),
        "steps": dict(sorted(steps.items())),
    }  # fmt: skip
    print(
        f"mapping: {items} items x {themes} themes in {seconds:.3f} s best of {len(timings)} "
        f"(first run {figures['cold_seconds']:.3f} s), {figures['items_per_s']} items/s, "
        f"peak RSS {figures['peak_rss_mb']} MB ({figures['rss_before_mapping_mb']} MB before mapping); "
        f"steps {figures['steps']}"
    )
    return figures


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--themes", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    run(args.items, args.themes, args.repeat)


if __name__ == "__main__":
    main()
