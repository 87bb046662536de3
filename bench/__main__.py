"""``python -m bench``: roadsync against the floor and a naive script, on the sandbox trackers.

::

    python -m bench                      # 10k items; prints a Markdown table, writes bench/RESULTS.md
    python -m bench --quick --json       # 1k items (and a 20k real sync), a few minutes, one JSON line
    python -m bench --tiny --json        # 250 items, seconds (the smoke test)
    python -m bench --latency-ms 30 --pacing-s 1.0

Scenario A (first full sync), B (no-op re-run), C (1% edited by people) run on one sandbox; the
fair naive script (bench/naive.py) runs on a fresh sandbox with identical data, and both end
states are compared. Mapping (bench/mapping.py) and the 100k-item mirror's memory run in child
processes; peak RSS is each process's own ``VmHWM``. See bench/floor.py for the floor.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.adoption import run_adoption
from bench.mapping import peak_rss_mb
from bench.report import NOTES, markdown, summary
from bench.scale import run_scale
from bench.scenarios import SIZES, Size, make_fixture, run_naive_baseline, run_roadsync

RESULTS = Path(__file__).with_name("RESULTS.md")
SCALE_ITEMS = {"full": 100_000, "quick": 20_000, "tiny": 0}
ADOPTION_ITEMS = {"full": 500, "quick": 100, "tiny": 0}


def _child(code: str) -> dict[str, Any]:
    """Run ``code`` in a fresh interpreter; its last stdout line is a JSON document."""
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=600
    )
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description=__doc__.splitlines()[0] if __doc__ else None
    )
    parser.add_argument("--quick", action="store_true", help="1k items, a 20k real sync (minutes)")
    parser.add_argument("--tiny", action="store_true", help="250 items (seconds; for the smoke test)")
    parser.add_argument("--json", action="store_true", help="print one JSON line instead of the table")
    parser.add_argument("--latency-ms", type=int, default=30, help="injected latency per request")
    pacing = "GitHub seconds_between_writes for roadsync, the naive script and the floor"
    parser.add_argument("--pacing-s", type=float, default=0.0, help=pacing)
    parser.add_argument("--no-naive", action="store_true", help="skip the naive baselines")
    slow = "also run the very naive script (a GET per item; ~10 min at 10k items)"
    parser.add_argument("--very-naive", action="store_true", help=slow)
    scale = "items of the real sync in its own process (default 100000; --quick 20000; --tiny 0 = off)"
    parser.add_argument("--scale-items", type=int, default=None, help=scale)
    adoption = "items of the first-adoption run (no theme tags, GitHub paced 1 s; 500, --quick 100, --tiny 0)"
    parser.add_argument("--adoption-items", type=int, default=None, help=adoption)
    parser.add_argument("--write", action="store_true", help="write bench/RESULTS.md at any size")
    args = parser.parse_args(argv)
    name = "tiny" if args.tiny else "quick" if args.quick else "full"
    size = SIZES[name]
    fixture = make_fixture(size)
    with tempfile.TemporaryDirectory(prefix="roadsync-bench-") as folder:
        base = Path(folder)
        runs = run_roadsync(
            size, fixture, latency_ms=args.latency_ms, pacing_s=args.pacing_s, folder=base / "roadsync"
        )
        ours = runs["A"].detail.pop("end_state")
        naive, same, very = None, None, None
        if not args.no_naive:
            naive, theirs = run_naive_baseline(
                fixture, latency_ms=args.latency_ms, pacing_s=args.pacing_s, folder=base / "naive"
            )
            same = ours == theirs
            if args.very_naive:
                very, theirs = run_naive_baseline(
                    fixture, latency_ms=args.latency_ms, pacing_s=args.pacing_s,
                    folder=base / "very_naive", very=True,
                )  # fmt: skip
                same = same and ours == theirs
        adoption_items = args.adoption_items if args.adoption_items is not None else ADOPTION_ITEMS[name]
        if adoption_items:
            jira = adoption_items * 6 // 10
            sized = Size(jira, adoption_items - jira)
            runs["adoption"] = run_adoption(sized, latency_ms=args.latency_ms, folder=base / "adoption")
        scale_items = args.scale_items if args.scale_items is not None else SCALE_ITEMS[name]
        scaled = (
            run_scale(scale_items, latency_ms=args.latency_ms, pacing_s=args.pacing_s, folder=base / "scale")
            if scale_items
            else None
        )
    extra = {
        "bench_process_peak_rss_mb": round(peak_rss_mb(), 1),
        "mapping": _child(
            "import json, bench.mapping as m; "
            f"print(json.dumps(m.run({size.mapping_items}, {size.mapping_themes})))"
        ),
        "scale": scaled,
        "mirror": _child(
            "import json; from bench.scenarios import mirror_memory; "
            f"print(json.dumps(mirror_memory({size.mirror_items})))"
        ),
    }
    baselines = {name: m for name, m in (("naive", naive), ("very_naive", very)) if m is not None}
    doc = summary(size, runs, baselines, same, extra, latency_ms=args.latency_ms, pacing_s=args.pacing_s)
    doc["size"] = name
    if args.json:
        print(json.dumps(doc, sort_keys=True))
    else:
        print(markdown(doc))
    if name == "full" or args.write:
        RESULTS.write_text(_results_md(doc, argv), encoding="utf-8")
    return 0


def _results_md(doc: dict[str, Any], argv: list[str] | None) -> str:
    command = "python -m bench " + " ".join(argv if argv is not None else sys.argv[1:])
    return (
        "# roadsync benchmark results\n\n"
        f"Command: `{command.strip()}` (2-core machine, sandbox trackers on loopback).\n\n"
        f"{markdown(doc)}\n{NOTES}\n"
        "## Raw figures\n\n```json\n" + json.dumps(doc, indent=1, sort_keys=True) + "\n```\n"
    )


if __name__ == "__main__":
    raise SystemExit(main())
