"""The indexed engine against a plain reading of the mapping rules, over generated backlogs.

``assign`` finds candidate rules through an index, caches index hits by raw item values,
ancestry per parent and reason sentences per rule and values; none of that may change a
result. The reference below evaluates every block of every theme on every item, straight from
the semantics in ``roadsync.mappings.rules`` and ``roadsync.mappings.engine`` (docstrings), and
must agree on theme, alignment, step, rule, reason, secondary themes and unknown pin, item by
item. The rule language has no negated or excluded conditions, so there are none to generate.
"""

from __future__ import annotations

import random
from collections.abc import Mapping

import re2

from roadsync.connectors.model import Item
from roadsync.mappings import MAX_DEPTH, Assignment, MatchBlock, Roadmap, Theme, assign
from tests.mappings.factory import github, jira

ORDER = ("keys", "labels", "components", "repos", "projects", "epics", "parents",
         "issue_types", "status", "title", "text")  # fmt: skip
NOUN = {"labels": "label", "components": "component", "repos": "repo", "projects": "project",
        "issue_types": "issue type", "keys": "key", "epics": "epic", "parents": "parent",
        "status": "status", "title": "title", "text": "text"}  # fmt: skip
ALIGN = {"pin": "aligned", "rule": "aligned", "parent": "inherited", "link": "inherited"}


# --- the reference: every block of every theme, for every item ---------------------------------


def ancestors(item: Item, by_key: Mapping[str, Item]) -> tuple[list[str], list[str]]:
    """Ancestor keys nearest first (MAX_DEPTH at most, stop at a cycle) and those that are epics."""
    keys: list[str] = []
    epics: list[str] = []
    seen = {item.key}
    current = item.parent
    while current and current not in seen and len(keys) < MAX_DEPTH:
        seen.add(current)
        keys.append(current)
        node = by_key.get(current)
        if node is None or node.kind == "epic":
            epics.append(current)
        current = node.parent if node else None
    return keys, epics


def actual(name: str, item: Item, by_key: Mapping[str, Item]) -> list[str]:
    """The item's values a list condition looks at, in the order a reason names them."""
    keys, epics = ancestors(item, by_key)
    return {
        "labels": list(item.labels), "components": list(item.components),
        "repos": [item.scope] if item.source == "github" else [],
        "projects": [item.scope] if item.source == "jira" else [],
        "issue_types": [v for v in (item.issue_type, item.kind) if v], "keys": [item.key],
        "epics": epics, "parents": keys, "status": [v for v in (item.status, item.status_category) if v],
    }[name]  # fmt: skip


def fragment(name: str, wanted: object, item: Item, by_key: Mapping[str, Item]) -> str | None:
    """The reason fragment of a condition that holds, None when it does not hold."""
    if name in ("title", "text"):
        text = item.title if name == "title" or not item.body else f"{item.title}\n{item.body}"
        return f"{NOUN[name]} matching `{wanted}`" if re2.search(str(wanted), text) else None
    folded = {value.casefold() for value in wanted}  # type: ignore[attr-defined]
    for value in actual(name, item, by_key):
        if value.casefold() in folded:
            return f"{NOUN[name]} `{value}`"
    return None


def block_reason(
    theme: Theme, number: int, block: MatchBlock, item: Item, by_key: Mapping[str, Item]
) -> str | None:
    said = []
    for name in ORDER:
        wanted = getattr(block, name)
        if wanted is None or wanted == ():
            continue
        part = fragment(name, wanted, item, by_key)
        if part is None:
            return None
        said.append(part)
    return f"{' and '.join(said)} matched theme `{theme.id}`, block {number}" if said else None


def own_decision(item: Item, by_key: Mapping[str, Item], roadmap: Roadmap, pins: Mapping[str, str]) -> tuple:
    """(theme, step, rule, reason) by pin or rule or None, secondary themes, unknown pin."""
    ranked = sorted(roadmap.themes, key=lambda t: (roadmap.rank(t.priority), t.order, t.id))
    hits = [(t, n, why) for t in ranked for n, b in enumerate(t.match, 1)
            if (why := block_reason(t, n, b, item, by_key)) is not None]  # fmt: skip
    tag = pins.get(item.key)
    pinned = roadmap.resolve(tag) if tag else None
    decision = None
    if pinned is not None:
        via = "" if tag == pinned.id else f" (an alias of `{pinned.id}`)"
        decision = (pinned, "pin", f"pin:{tag}", f"theme tag `{tag}`{via} was set by hand")
    elif hits:
        theme, number, why = hits[0]
        decision = (theme, "rule", f"theme:{theme.id}/block:{number}", why)
    secondary: list[str] = []
    for theme, _, _ in hits:
        if decision and theme.id != decision[0].id and theme.id not in secondary:
            secondary.append(theme.id)
    return decision, tuple(secondary), tag if tag and pinned is None else None


def from_parent(key: str, by_key: Mapping[str, Item], own: Mapping[str, tuple]) -> tuple | None:
    """Nearest ancestor deciding by pin or rule; one outside the set ends the walk; a cycle: none."""
    path = [key]
    current = by_key[key].parent
    while current in by_key and current not in path:
        if own[current][0] is not None:
            source, via = own[current][0], path[1:]
            shown = [*via[:4], "…"] if len(via) > 4 else via
            noun = "epic" if by_key[current].kind == "epic" else "ancestor" if via else "parent"
            through = f" via {' → '.join(shown)}" if via else ""
            why = f"inherited theme `{source[0].id}` from {noun} {current}{through} ({source[3]})"
            return (source[0], "parent", f"parent:{current}", why)
        path.append(current)
        current = by_key[current].parent
    return None


def reference(items: list[Item], roadmap: Roadmap, pins: Mapping[str, str]) -> dict[str, Assignment]:
    by_key = {item.key: item for item in items}
    own = {key: own_decision(item, by_key, roadmap, pins) for key, item in by_key.items()}
    base = {key: own[key][0] or from_parent(key, by_key, own) for key in by_key}
    result = {}
    for key in sorted(by_key):
        decision = base[key]
        if decision is None:
            linked = {o for o in by_key[key].links if o in by_key and o != key}
            linked |= {i.key for i in items if key in i.links and i.key != key}
            offers = sorted((roadmap.rank(base[o][0].priority), o) for o in linked if base[o])
            if offers:
                source, other = base[offers[0][1]], offers[0][1]
                why = f"inherited theme `{source[0].id}` from linked item {other} ({source[3]})"
                decision = (source[0], "link", f"link:{other}", why)
        secondary, unknown = own[key][1], own[key][2]
        note = f"; theme tag `{unknown}` is not on the roadmap" if unknown else ""
        if decision is None:
            why = f"no pin, rule, parent or linked item maps {key} to a theme{note}"
            result[key] = Assignment(key, None, "unaligned", "none", None, why, secondary, unknown)
            continue
        theme, step, rule, why = decision
        alignment = theme.status if theme.status != "active" else ALIGN[step]
        result[key] = Assignment(key, theme.id, alignment, step, rule, why + note, secondary, unknown)
    return result


# --- generated backlogs and roadmaps, rich in edge cases -----------------------------------------

LABELS = ["checkout", "Checkout", "CHECKOUT", "search", "Straße", "STRASSE", "ǅemal", "🚀", "a,b", "x"]
COMPONENTS = ["Payments", "payments", "Search", "Infra"]
PROJECTS = ["PAY", "OPS", "pay"]
REPOS = ["acme/web", "Acme/Web", "acme/api"]
TYPES = ["Bug", "bug", "Story", "epic", "sub-task", "issue", "Task"]
STATUSES = [("To Do", "todo"), ("In Review", "in_progress"), ("in review", "in_progress"), ("Done", "done")]
TITLES = ["Fix the cart", "Checkout page", "search box", "SEARCH results", "Straße café ☕", "", "Other"]
BODIES = ["", "Stripe webhooks", "search everywhere", "line one\nCheckout"]
PATTERNS = [r"(?i)cart", r"^Fix", r"(?i)search", r"Checkout", r"(?m)^Checkout$", r"café", r""]


def backlog(rng: random.Random, size: int) -> list[Item]:
    keys = [f"{rng.choice(['PAY', 'OPS'])}-{n}" if n % 2 else f"{rng.choice(REPOS[::2])}#{n}"
            for n in range(size)]  # fmt: skip
    items = []
    for n, key in enumerate(keys):
        status, category = rng.choice(STATUSES)
        # parents mostly earlier: chains, plus a few cycles. Not the item itself: neither
        # tracker lets an issue be its own parent, and the engine then counts the item as its
        # own ancestor (Ancestry.walk keeps the parent it starts from), which the reference
        # does not copy.
        near = [k for k in keys[max(0, n - 8) : n + 3] if k != key]
        fields = {
            "kind": rng.choice(["issue", "issue", "epic", "sub-task"]), "title": rng.choice(TITLES),
            "body": rng.choice(BODIES), "labels": tuple(rng.sample(LABELS, rng.randrange(4))),
            "status": status, "status_category": category,
            "parent": rng.choice([None, f"OUT-{n}", *near]) if rng.random() < 0.7 else None,
            "links": tuple(rng.sample(keys, 1)) if rng.random() < 0.1 else (),
        }  # fmt: skip
        if "#" in key:
            items.append(github(key, **fields))
        else:
            fields["components"] = tuple(rng.sample(COMPONENTS, rng.randrange(3)))
            items.append(jira(key, issue_type=rng.choice([*TYPES, None]), **fields))
    return items


def random_block(rng: random.Random, keys: list[str]) -> MatchBlock:
    """One to three random conditions (sometimes none: an empty block matches nothing)."""
    chosen = rng.sample(ORDER, rng.choice([0, 1, 1, 2, 2, 3]))
    pools = {"labels": LABELS, "components": COMPONENTS, "repos": REPOS, "projects": PROJECTS,
             "issue_types": TYPES, "keys": keys + [k.lower() for k in keys[:5]], "epics": [*keys, "OUT-3"],
             "parents": [*keys, "OUT-1"],
             "status": ["todo", "done", "In Review", "IN PROGRESS", "in_progress"]}  # fmt: skip
    values = {}
    for name in chosen:
        if name in ("title", "text"):
            values[name] = rng.choice(PATTERNS)
        else:
            values[name] = tuple(rng.sample(pools[name], rng.randint(1, 2)))
    return MatchBlock(**values)


def random_roadmap(rng: random.Random, keys: list[str], count: int) -> Roadmap:
    orders = rng.sample(range(count), count)  # file order apart from tuple order
    themes = tuple(
        Theme(
            id=f"t{n}", name=f"T{n}", priority=rng.choice(["P0", "P1", "P1", "P2", "P9"]),
            status=rng.choice(["active", "active", "active", "paused", "retired"]), aliases=(f"old-{n}",),
            match=tuple(random_block(rng, keys) for _ in range(rng.randint(0, 3))), order=orders[n],
        )
        for n in range(count)
    )  # fmt: skip
    return Roadmap(themes=themes)


def test_indexed_engine_agrees_with_the_reference() -> None:
    """On generated backlogs and roadmaps, assign equals a rule-by-rule evaluation for every item."""
    seen: set[str] = set()
    for seed in range(16):  # 4,800 items over 16 roadmaps
        rng = random.Random(seed)
        items = backlog(rng, 300)
        keys = [item.key for item in items]
        roadmap = random_roadmap(rng, keys, rng.randint(3, 25))
        pins = {key: rng.choice(["t0", "t1", "old-2", "nope"]) for key in rng.sample(keys, 15)}
        got = assign(items, roadmap, pins)
        assert list(got) == sorted(keys)
        want = reference(items, roadmap, pins)
        wrong = [(got[key], want[key]) for key in keys if got[key] != want[key]]
        assert not wrong, (seed, wrong[:3])
        seen |= {a.step for a in got.values()} | {"secondary" for a in got.values() if a.secondary}
        seen |= {"alias" for a in got.values() if "an alias of" in a.reason}
        seen |= {"unknown" for a in got.values() if a.unknown_pin} | {a.alignment for a in got.values()}
    # the generated cases reach every step and the edge cases the reference spells out
    wanted = {"pin", "rule", "parent", "link", "none", "secondary", "alias", "unknown", "paused", "retired"}
    assert seen >= wanted


def test_a_chain_deeper_than_max_depth_and_a_cycle_agree_with_the_reference() -> None:
    """Ancestry conditions stop at MAX_DEPTH levels and at a cycle, in both evaluations alike."""
    chain = [jira(f"PAY-{n}", parent=f"PAY-{n - 1}" if n else None, kind="epic" if n % 7 == 0 else "issue")
             for n in range(MAX_DEPTH + 20)]  # fmt: skip
    cycle = [jira("OPS-1", parent="OPS-3"), jira("OPS-2", parent="OPS-1"), jira("OPS-3", parent="OPS-2")]
    blocks = (MatchBlock(epics=("PAY-0",)), MatchBlock(parents=("pay-5", "ops-2"), title="(?i)issue"))
    roadmap = Roadmap(themes=(Theme(id="deep", name="Deep", priority="P1", match=blocks),))
    items = chain + cycle
    assert assign(items, roadmap) == reference(items, roadmap, {})
