"""``roadsync doctor``: preflight checks of every configured source, without writing anything.

:func:`run_doctor` returns a :class:`DoctorReport`: one :class:`Check` per thing that can be
wrong (reachable, flavour, token, permissions per project/repository, managed fields and their
values, the Projects board, the rate-limit budget). Each failed check says what to do in ``fix``.
The tracker-facing probes live in :mod:`roadsync.doctor.jira` and :mod:`roadsync.doctor.github`; they only
send reads (GET, GraphQL queries, and Jira Cloud's read-only ``search/approximate-count`` POST).

Levels: ``ok``; ``info`` (worth knowing, e.g. labels that will be created); ``warn`` (works, but
look); ``fail`` (a sync would fail or write wrongly). ``Check.ok`` is False only for ``fail``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import httpx

from roadsync.config.load import Settings
from roadsync.config.model import FieldTarget, ManagedField
from roadsync.connectors.retry import RetryPolicy
from roadsync.connectors.transport import USER_AGENT
from roadsync.errors import ConfigError, RoadsyncError, scrub
from roadsync.escaping import markdown, one_line
from roadsync.mappings.roadmap import ALIGNMENTS
from roadsync.sync.fields import MANAGED_FIELDS, to_native
from roadsync.sync.fields import field_targets as fields_targets

__all__ = [
    "Check",
    "DoctorReport",
    "Level",
    "Probe",
    "field_targets",
    "needed_values",
    "probe_reachable",
    "render_table",
    "requests_for",
    "run_doctor",
    "writes_needed",
]

Level = Literal["ok", "info", "warn", "fail"]
DOCTOR_RETRY = RetryPolicy(attempts=2, base_s=0.2, max_wait_s=5.0)


@dataclass(frozen=True)
class Check:
    """One preflight finding: which source, what was checked, the level, what was seen, the fix."""

    source: str
    check: str
    level: Level
    detail: str
    fix: str | None = None

    @property
    def ok(self) -> bool:
        return self.level != "fail"

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "source": self.source,
            "check": self.check,
            "ok": self.ok,
            "detail": scrub(self.detail),
            "level": self.level,
        }
        if self.fix:
            out["fix"] = scrub(self.fix)
        return out


@dataclass(frozen=True)
class DoctorReport:
    """Every check of one doctor run, in the order they ran."""

    checks: tuple[Check, ...]

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks)

    def to_json(self) -> dict[str, Any]:
        """``{"ok": bool, "checks": [{"source", "check", "ok", "detail", "level", "fix"?}]}``."""
        return {"ok": self.ok, "checks": [check.to_json() for check in self.checks]}


class Probe:
    """Collects the checks of one source; ``guard`` turns a tracker error into a failed check."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.checks: list[Check] = []

    def add(self, check: str, level: Level, detail: str, fix: str | None = None) -> Check:
        found = Check(self.source, check, level, detail, fix)
        self.checks.append(found)
        return found

    def failed(self, check: str, exc: RoadsyncError, fix: str | None = None) -> None:
        self.add(check, "fail", exc.message + (f" (HTTP {exc.status})" if exc.status else ""),
                 fix or exc.hint or "see the detail")

    def guard(self, check: str, func: Callable[[], Any], fix: str | None = None) -> Any:
        """``func()``, or ``None`` after recording a failed ``check`` when it raises a roadsync error."""
        try:
            return func()
        except ConfigError:
            raise
        except RoadsyncError as exc:
            self.failed(check, exc, fix)
            return None


# -- what the plan needs -------------------------------------------------------------------------


def field_targets(settings: Settings, source: str) -> list[tuple[str, ManagedField, FieldTarget]]:
    """The managed fields that have a target in ``source`` (``jira`` / ``github``), in order."""
    return fields_targets(settings.model.fields, source)


def writes_needed(settings: Settings, source: str) -> bool:
    """Whether any managed field may be written in ``source`` (a policy other than ``report``)."""
    return any(managed.policy != "report" for _, managed, _ in field_targets(settings, source))


def needed_values(settings: Settings, name: str, target: FieldTarget) -> list[str]:
    """The tracker-native values the plan may write for managed field ``name``, in roadmap order.

    priority: the levels that active themes use (only they get priority writes) and
    ``unaligned_priority``; theme: every theme id; alignment: the five alignment values.
    All mapped through the target's kind (``values``, a label's prefix); a kind may add its own
    (Jira's priority adds every name it maps to).
    """
    if name == "priority":
        used = {theme.priority for theme in settings.roadmap.themes if theme.status == "active"}
        roadmap_values = [level for level in settings.roadmap.levels if level in used]
        if settings.model.fields.unaligned_priority:
            roadmap_values.append(settings.model.fields.unaligned_priority)
    elif name == "theme":
        roadmap_values = [theme.id for theme in settings.roadmap.themes]
    else:
        roadmap_values = list(ALIGNMENTS)
    native = [to_native(name, target, value) for value in roadmap_values]
    return [value for value in dict.fromkeys(native) if value]


def requests_for(counts: Iterable[int], page: int = 100) -> int:
    """Read requests of a full pull: ceil(items / page) per scope, at least one each."""
    return sum(max(1, math.ceil(count / page)) for count in counts)


def missing(wanted: Sequence[str], have: Iterable[str]) -> list[str]:
    existing = set(have)
    return [value for value in wanted if value not in existing]


# -- reachability (no token) ---------------------------------------------------------------------


def probe_reachable(probe: Probe, url: str, verify: bool | str, timeout: float) -> httpx.Response | None:
    """One unauthenticated GET: any HTTP answer proves the host is reachable and its TLS valid."""
    setting = f"{probe.source}.url"
    try:
        response = httpx.get(url, verify=verify, timeout=min(timeout, 15.0), follow_redirects=False,
                             headers={"User-Agent": USER_AGENT})  # fmt: skip
    except httpx.ConnectError as exc:
        text = str(exc)
        if "CERTIFICATE" in text.upper() or "SSL" in text.upper():
            probe.add("reachable", "fail", f"TLS verification failed for {url}: {scrub(text)[:200]}",
                      "if a corporate proxy re-signs TLS, set run.ca_bundle to its CA file")
        else:
            probe.add("reachable", "fail", f"cannot connect to {url}: {scrub(text)[:200]}",
                      f"check {setting}, DNS and the network/proxy")
        return None
    except httpx.HTTPError as exc:
        probe.add("reachable", "fail", f"no answer from {url}: {type(exc).__name__}",
                  f"check {setting} and the network")
        return None
    secure = "TLS verified" if response.url.scheme == "https" else "plain HTTP"
    probe.add("reachable", "ok", f"{response.url.host} answers over {secure}")
    return response


# -- running and rendering -----------------------------------------------------------------------


def config_checks(settings: Settings) -> list[Check]:
    """What the config itself says that a person should know before the first run."""
    probe = Probe("config")
    themes = len(settings.roadmap.themes)
    probe.add("loaded", "ok", f"{settings.path}: {themes} theme{'s' if themes != 1 else ''}")
    for warning in settings.warnings:
        probe.add("warning", "warn", warning, "see 'roadsync validate'")
    policies = {name: managed.policy for name in MANAGED_FIELDS
                if (managed := getattr(settings.model.fields, name)) is not None}
    if not policies:
        probe.add("managed fields", "info", "no managed fields: roadsync only reports drift")
    elif all(policy == "report" for policy in policies.values()):
        probe.add("managed fields", "info", "every managed field has policy \"report\": nothing is "
                  "written until you set policy = \"enforce\" (or \"fill\")")
    return probe.checks


def run_doctor(settings: Settings) -> DoctorReport:
    """Every check for every configured source. Reads tokens first: a missing one is a
    :class:`ConfigError` (exit 78) before any request goes out."""
    from roadsync.doctor.github import github_checks
    from roadsync.doctor.jira import jira_checks

    settings.check_tokens()
    jira_token = settings.jira_token() if settings.model.jira is not None else None
    github_token = settings.github_credentials() if settings.model.github is not None else None
    checks = config_checks(settings)
    if jira_token is not None:
        checks += jira_checks(settings, jira_token)
    if github_token is not None:
        checks += github_checks(settings, github_token)
    if jira_token is None and github_token is None:
        checks.append(Check("config", "sources", "fail", "neither [jira] nor [github] is configured",
                            "add a [jira] or [github] section (roadsync init writes one)"))
    return DoctorReport(tuple(checks))


_MARK = {"ok": "ok", "info": "info", "warn": "warn", "fail": "FAIL"}


def render_table(report: DoctorReport) -> str:
    """A plain-text table for people: source, check, status, detail (and the fix under a failure)."""
    rows = [(c.source, one_line(c.check), _MARK[c.level], one_line(scrub(c.detail))) for c in report.checks]
    widths = [max([len(h), *(len(r[i]) for r in rows)]) for i, h in enumerate(("source", "check", "status"))]
    widths = [min(w, 40) for w in widths]
    heads = ("source", "check", "status")
    lines = ["  ".join(h.ljust(w) for h, w in zip(heads, widths, strict=False)) + "  detail"]
    for check, row in zip(report.checks, rows, strict=False):
        lines.append("  ".join(v.ljust(w) for v, w in zip(row[:3], widths, strict=False)) + "  " + row[3])
        if check.fix and check.level in ("fail", "warn"):
            lines.append(" " * (sum(widths) + 6) + "  fix: " + one_line(scrub(check.fix)))
    lines += ["", _verdict(report)]
    return "\n".join(lines)


def _verdict(report: DoctorReport) -> str:
    failed = sum(1 for c in report.checks if c.level == "fail")
    warned = sum(1 for c in report.checks if c.level == "warn")
    verdict = "all checks passed" if not failed else f"{failed} check{'s' if failed != 1 else ''} failed"
    return f"{verdict}; {warned} warning{'s' if warned != 1 else ''}"


def render_markdown(report: DoctorReport) -> str:
    """A GitHub Markdown table: tracker text (field names, error bodies) through the shared layer."""
    lines = ["| source | check | status | detail | fix |", "| --- | --- | --- | --- | --- |"]
    for c in report.checks:
        cells = [c.source, markdown(c.check), _MARK[c.level], markdown(scrub(c.detail)),
                 markdown(scrub(c.fix)) if c.fix and c.level in ("fail", "warn") else ""]
        lines.append("| " + " | ".join(cell or " " for cell in cells) + " |")
    return "\n".join([*lines, "", _verdict(report)])
