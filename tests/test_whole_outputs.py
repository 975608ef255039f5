"""Whole or nothing, and deterministic on demand (issue 12).

- an output folder is replaced as a whole: a run killed (SIGKILL) at any point leaves the
  previous outputs untouched, never a mix of old and new files;
- ``--seed N --iterations K`` gives the same plan and the same rota twice.
"""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from itinerant.core import atomic

REPO = Path(__file__).resolve().parents[1]
TINY = Path(__file__).resolve().parent / "data" / "tiny"


def _snapshot(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_staged_folder_replaces_the_old_one_as_a_whole(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with atomic.staged_dir(out) as tmp:
        (tmp / "a.txt").write_text("old a")
        (tmp / "old-only.txt").write_text("gone next time")
    with atomic.staged_dir(out) as tmp:
        assert not any(tmp.iterdir())  # a new run starts empty: nothing old is carried over
        (tmp / "a.txt").write_text("new a")
    assert sorted(p.name for p in out.iterdir()) == [atomic.OUTPUT_MARKER, "a.txt"]
    assert (out / "a.txt").read_text() == "new a"
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_a_failed_run_leaves_the_previous_folder_untouched(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with atomic.staged_dir(out) as tmp:
        (tmp / "a.txt").write_text("old")
    before = _snapshot(out)
    with pytest.raises(RuntimeError), atomic.staged_dir(out) as tmp:
        (tmp / "a.txt").write_text("half")
        raise RuntimeError("solver crashed")
    assert _snapshot(out) == before
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_a_swap_cut_between_its_renames_is_put_back(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with atomic.staged_dir(out) as tmp:
        (tmp / "a.txt").write_text("previous")
    # killed after `out` was moved aside and before the new folder took its place
    os.replace(out, tmp_path / ".out.old-x1y2")
    (tmp_path / ".out.tmp-z3").mkdir()
    with pytest.raises(RuntimeError), atomic.staged_dir(out):
        raise RuntimeError("stop before writing")
    assert (out / "a.txt").read_text() == "previous"
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("file", "c'est un fichier, pas un dossier"),  # --out names a file
        ("foreign", "ce dossier contient d'autres fichiers"),  # --out is someone's folder
    ],
)
def test_folders_that_are_not_outputs_are_refused(tmp_path: Path, setup: str, message: str) -> None:
    out = tmp_path / "out"
    if setup == "file":
        out.write_text("x")
    else:
        out.mkdir()
        (out / "thesis.odt").write_text("years of work")
    with pytest.raises(atomic.OutputFolderError, match=message), atomic.staged_dir(out):
        pass
    assert out.exists() and (out.is_file() or (out / "thesis.odt").exists())


def _run(scenario: Path, out: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    return subprocess.Popen(
        [sys.executable, "-m", "itinerant", "visits", str(scenario), "--out", str(out),
         "--time-limit", "1", "--iterations", "300", "--no-reports", "-q"],
        cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )


def test_sigkill_at_random_points_never_leaves_a_mix(tmp_path: Path) -> None:
    # The old plan has visit v3; the new scenario drops it. After a kill the folder is
    # either exactly the old one, or a complete new one (every file written by the run).
    old_sc, new_sc = tmp_path / "old", tmp_path / "new"
    shutil.copytree(TINY, old_sc)
    shutil.copytree(TINY, new_sc)
    visits = new_sc / "visits.csv"
    visits.write_text("\n".join(visits.read_text(encoding="utf-8").splitlines()[:-1]) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    t0 = time.monotonic()
    first = _run(old_sc, out)
    assert first.wait(timeout=300) == 0, first.stderr.read() if first.stderr else ""
    duration = time.monotonic() - t0  # kill points spread over a run's length
    old = _snapshot(out)
    assert "v3" in (out / "plan.json").read_text(encoding="utf-8")
    rng = random.Random(12)
    fractions = sorted(rng.uniform(0.2, 1.0) for _ in range(3))
    outcomes = []
    for frac in fractions:
        started = time.time()
        proc = _run(new_sc, out)
        time.sleep(frac * duration)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
        now = _snapshot(out)
        if now == old:
            outcomes.append("old")
            continue
        # a complete new folder: the marker, no v3 anywhere, every file from the killed run
        assert atomic.OUTPUT_MARKER in now
        assert "v3" not in (out / "plan.json").read_text(encoding="utf-8")
        assert all(p.stat().st_mtime >= started - 1 for p in out.rglob("*") if p.is_file())
        outcomes.append("new")
        old = now
    # the next run cleans what killed runs left beside the folder
    last = _run(new_sc, out)
    assert last.wait(timeout=300) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["new", "old", "out"], outcomes


def test_same_seed_and_iterations_give_the_same_plan() -> None:
    from itinerant import pipeline

    # The Clunisois week (60 requests) with a 0.2 s clock: only the iteration count can
    # make two searches equal, whatever the machine's load.
    scenario, matrices = pipeline._load(REPO / "scenarios" / "clunisois", None, pipeline.QUIET)
    docs = [
        pipeline.plan_visits(scenario, matrices, engine="pyvrp", seed=7, iterations=300, time_limit=0.2).doc
        for _ in range(2)
    ]
    assert docs[0]["routes"] == docs[1]["routes"] and docs[0]["unassigned"] == docs[1]["unassigned"]
    tiny, tiny_m = pipeline._load(TINY, None, pipeline.QUIET)
    docs = [pipeline.plan_visits(tiny, tiny_m, engine="ortools", seed=7, iterations=200, time_limit=0.2).doc for _ in range(2)]
    assert docs[0]["routes"] == docs[1]["routes"]


def test_same_seed_and_iterations_give_the_same_rota() -> None:
    from itinerant import pipeline
    from itinerant.bus import rota_from_scenario
    from itinerant.bus.io import timetable_rows

    scenario, matrices = pipeline._load(TINY, None, pipeline.QUIET)
    rows = []
    for _ in range(2):
        problem, rota, _base = rota_from_scenario(
            scenario, matrices.drive(), matrices.walk_to_stops(), seed=3, deterministic_s=0.5, time_limit_s=5)
        rows.append(timetable_rows(problem, rota))
    assert rows[0] == rows[1] and rows[0]
