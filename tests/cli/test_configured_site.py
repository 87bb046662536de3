"""Issue 16's acceptance, through the real CLI on the ``configured-site`` seed, both Jira flavours:
``doctor`` names each problem of the site with its fix before any write; ``sync`` writes every
change the site takes, reports each one it refuses as ``unwritable`` with Jira's reason in every
output format, exits 0 and sends no notification mails; a second ``sync`` applies nothing."""

from __future__ import annotations

import dataclasses
import html
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from roadsync.cli import main
from roadsync.sandbox.server import Sandbox

Run = Callable[..., tuple[int, str]]

SCHEME = "The priority selected is invalid."
SCREEN = "Field 'customfield_10040' cannot be set. It is not on the appropriate screen, or unknown."
OPTION = {
    "cloud": "Specify a valid 'id' or 'name' for Alignment",
    "datacenter": "Option value 'retired' is not valid",
}
REFUSED = {  # (item, field) -> the reason Jira gives (research/jira.md §1-§3)
    ("OPS-1", "priority"): SCHEME,
    ("OPS-2", "priority"): SCHEME,
    ("OPS-3", "priority"): SCHEME,
    ("OPS-4", "alignment"): "option",
    ("OPS-5", "alignment"): "option",
    ("SHOP-1", "alignment"): SCREEN,
    ("SHOP-5", "alignment"): SCREEN,
}


@pytest.fixture(params=["cloud", "datacenter"])
def site(
    request: pytest.FixtureRequest, sandbox_factory: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Sandbox:
    sandbox: Sandbox = sandbox_factory("configured-site", jira_flavor=request.param)
    sandbox.write_config(tmp_path / "roadsync.toml")
    for name, value in sandbox.env().items():
        monkeypatch.setenv(name, value)
    return sandbox


@pytest.fixture
def run(site: Sandbox, capsys: pytest.CaptureFixture[str]) -> Run:
    """The real CLI in-process: (exit code, stdout)."""

    def invoke(*args: str, fmt: str = "json") -> tuple[int, str]:
        capsys.readouterr()
        with pytest.raises(SystemExit) as exit_info:
            main([*args, "--config", str(site.config_path), "--format", fmt])
        return int(exit_info.value.code or 0), capsys.readouterr().out

    return invoke


def _reason(site: Sandbox, key: tuple[str, str]) -> str:
    reason = REFUSED[key]
    return OPTION[site.jira_flavor] if reason == "option" else reason


def test_doctor_names_each_problem_with_its_fix_before_any_write(site: Sandbox, run: Run) -> None:
    """doctor exits 1 naming OPS's scheme without Highest, the Epic screen without Alignment in SHOP
    and OPS's Alignment options, each with a fix; MOB's own Alignment resolves; mails will be off."""
    code, out = run("doctor")
    checks = {c["check"]: c for c in json.loads(out)["checks"]}
    assert code == 1 and site.stats()["jira"]["writes"] == 0
    failed = {name: c for name, c in checks.items() if not c["ok"]}
    assert set(failed) == {
        "priority: priorities in OPS",
        "alignment: Alignment in SHOP",
        "alignment: Alignment in OPS",
    }
    assert "lacks Highest" in failed["priority: priorities in OPS"]["detail"]
    assert "edit screen of Epic in SHOP" in failed["alignment: Alignment in SHOP"]["detail"]
    assert "retired, paused" in failed["alignment: Alignment in OPS"]["detail"]
    assert all(c.get("fix") for c in failed.values())
    assert "customfield_10077" in checks["alignment: Alignment in MOB"]["detail"]
    assert all(checks[f"notifications in {p}"]["detail"].startswith("off") for p in ("SHOP", "OPS", "MOB"))


def test_sync_writes_what_the_site_takes_and_reports_the_rest_as_unwritable(site: Sandbox, run: Run) -> None:
    """The first sync applies 13 changes, reports 7 as unwritable with Jira's reasons, exits 0 and
    mails no one; the values landed on the site as planned."""
    code, out = run("sync")
    report = json.loads(out)
    applied = report["applied"]
    assert code == 0, applied
    assert (applied["applied"], applied["unwritable"], applied["failed"], applied["skipped"]) == (13, 7, 0, 0)
    refused = {(o["item"], o["field"]): o["error"] for o in applied["not_written"]}
    assert set(refused) == set(REFUSED)
    assert all(_reason(site, key) in refused[key] for key in REFUSED)
    drift = {(d["item"], d["detail"].split(" ")[0]) for d in report["drift"] if d["kind"] == "unwritable"}
    assert drift == set(REFUSED)
    assert site.stats()["jira"]["notifications"] == 0
    store = site.jira_store
    assert store.get("MOB-2").custom["customfield_10077"] == "aligned"  # MOB's own Alignment, by name
    assert (store.get("SHOP-1").priority, store.get("SHOP-5").priority) == ("High", "Highest")
    assert "customfield_10040" not in store.get("SHOP-1").custom and store.get("OPS-1").priority == "High"


@pytest.mark.parametrize("fmt", ["table", "markdown", "html"])
def test_a_second_sync_applies_nothing_and_every_format_shows_the_reasons(
    site: Sandbox, run: Run, fmt: str
) -> None:
    """After the first sync, a second sends no request that writes, exits 0, and its report in
    every format lists each unwritable change with Jira's reason."""
    assert run("sync")[0] == 0
    writes = site.stats()["jira"]["writes"]
    code, out = run("sync", fmt=fmt)
    assert code == 0 and site.stats()["jira"]["writes"] == writes
    assert "unwritable" in out
    reasons = {_reason(site, key) for key in REFUSED}
    text = " ".join(re.sub(r"\\(.)", r"\1", html.unescape(out)).split())  # as people read it
    assert all(reason in text for reason in reasons), out[-3000:]


def test_unwritable_drift_fails_the_run_only_when_asked(site: Sandbox, run: Run) -> None:
    """``--fail-on unwritable`` makes a run with refused changes exit 3; without it, 0."""
    assert run("sync")[0] == 0
    assert run("sync", "--fail-on", "unwritable")[0] == 3


def test_a_refused_change_is_sent_again_on_a_full_refresh_once_the_site_takes_it(
    site: Sandbox, run: Run
) -> None:
    """Refusals are remembered: after OPS's scheme gains Highest a plain sync still sends nothing,
    and ``sync --full`` re-checks and writes the three OPS priorities."""
    assert run("sync")[0] == 0
    catalog = site.jira_store.catalog
    scheme = catalog.scheme_of("OPS")
    catalog.priority_schemes[scheme.id] = dataclasses.replace(
        scheme, priority_ids=("1", *scheme.priority_ids)
    )
    writes = site.stats()["jira"]["writes"]
    assert run("sync")[0] == 0 and site.stats()["jira"]["writes"] == writes
    code, out = run("sync", "--full")
    applied = json.loads(out)["applied"]
    assert code == 0 and (applied["applied"], applied["unwritable"]) == (3, 4)
    assert [site.jira_store.get(f"OPS-{n}").priority for n in (1, 2, 3)] == ["Highest"] * 3


def test_debug_shows_jiras_answer_to_a_refused_edit_without_the_token(
    site: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    """With --debug, an edit Jira refuses (a component SHOP lacks) logs Jira's whole answer, scrubbed."""
    path = site.config_path
    assert path is not None
    text = path.read_text().replace(
        'jira = { target = "label", prefix = "theme:" }',
        'jira = { target = "components", values = { checkout = "Checkout" } }',
    )
    path.write_text(text)
    capsys.readouterr()
    with pytest.raises(SystemExit) as exit_info:
        main(["sync", "--debug", "--config", str(path), "--format", "json"])
    out, err = capsys.readouterr()
    assert exit_info.value.code in (0, None) and "unwritable" in out
    assert "jira.response" in err and "Component name 'Checkout' is not valid" in err
    assert site.jira_token not in err + out


@pytest.mark.parametrize("verb", ["validate", "doctor"])
def test_validate_and_doctor_refuse_a_label_prefix_jira_cannot_store(
    site: Sandbox, capsys: pytest.CaptureFixture[str], verb: str
) -> None:
    """A Jira theme prefix with a space ("theme: ") fails validate and doctor (exit 78) with one
    message naming the key, why and a fix, before any request writes (research/jira.md §5)."""
    path = site.config_path
    assert path is not None
    path.write_text(path.read_text().replace('prefix = "theme:"', 'prefix = "theme: "'))
    capsys.readouterr()
    with pytest.raises(SystemExit) as exit_info:
        main([verb, "--config", str(path)])
    err = capsys.readouterr().err
    assert exit_info.value.code == 78 and site.stats()["jira"]["writes"] == 0
    assert "prefix" in err and "cannot contain spaces" in err and "'theme:'" in err, err
    assert "Traceback" not in err


@pytest.mark.parametrize("fmt", ["json", "table", "markdown", "html"])
def test_apply_of_a_reviewed_plan_shows_each_refusal_with_jiras_reason(
    site: Sandbox, run: Run, tmp_path: Path, fmt: str
) -> None:
    """``apply PLAN`` of a reviewed plan writes what the site takes, exits 0 and its output in every
    format names each unwritable change with Jira's reason, and the summary line counts them."""
    plan = tmp_path / "plan.json"
    assert run("plan", "--out", str(plan))[0] in (0, 2)
    code, out = run("apply", str(plan), fmt=fmt)
    assert code == 0 and site.stats()["jira"]["notifications"] == 0
    text = " ".join(re.sub(r"\\(.)", r"\1", html.unescape(out)).split())  # as people read it
    assert all(_reason(site, key) in text for key in REFUSED), out[-3000:]
    if fmt == "json":
        document = json.loads(out)
        assert (document["applied"], document["unwritable"]) == (13, 7)
    elif fmt == "html":
        assert "applied · 0 failed · 7 unwritable" in text  # the Changes figure's caption
    else:
        assert "13 applied, 7 unwritable, 0 failed, 0 skipped" in text


def test_a_data_center_pat_sent_over_basic_fails_doctor_and_sync_with_the_fix(
    sandbox_factory: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """On Data Center a PAT configured as ``auth = "basic"`` is refused (401, as DC does:
    research/jira.md §7, pycontribs/jira#1627): doctor fails its authenticated check naming
    ``jira.auth = "bearer"``, and sync exits 1 with one line, no traceback, nothing written."""
    site: Sandbox = sandbox_factory("configured-site", jira_flavor="datacenter")
    path = site.write_config(tmp_path / "roadsync.toml")
    path.write_text(path.read_text().replace('auth = "bearer"', 'auth = "basic"'))
    for name, value in site.env().items():
        monkeypatch.setenv(name, value)
    capsys.readouterr()
    with pytest.raises(SystemExit) as doctor_exit:
        main(["doctor", "--config", str(path), "--format", "json"])
    checks = {c["check"]: c for c in json.loads(capsys.readouterr().out)["checks"]}
    assert doctor_exit.value.code == 1 and not checks["authenticated"]["ok"]
    assert 'jira.auth = "bearer"' in checks["authenticated"]["fix"]
    with pytest.raises(SystemExit) as sync_exit:
        main(["sync", "--config", str(path), "--format", "json"])
    err = capsys.readouterr().err.strip()
    assert sync_exit.value.code == 1 and "Traceback" not in err and site.jira_token not in err
    assert 'jira.auth = "bearer"' in err.splitlines()[-1]
    assert site.stats()["jira"]["writes"] == 0
