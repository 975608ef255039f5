"""Property test (issue 12): corrupted versions of the Clunisois tables either load equal to
the original (the corruption is harmless: another encoding, separator or column order) or
give faults naming the corrupted file (an unclosed quote, one row in another encoding or
separator, an emptied required cell). Never a traceback, never a silent difference."""

from __future__ import annotations

import csv
import io
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from itinerant.core.errors import InputError
from itinerant.scenario import load_scenario
from itinerant.scenario.columns import COLUMNS, TABLES

CLUNISOIS = Path(__file__).resolve().parents[1] / "scenarios" / "clunisois"
FILES = sorted(p.name for p in CLUNISOIS.glob("*.csv"))
TABLE_OF = {stem: name for name, stems in TABLES.items() for stem in stems}
HARMLESS = ("cp1252", "utf16", "bom", "separator", "shuffle")
HARMFUL = ("quote", "mixed", "rowsep", "drop")


def _dump(sc) -> dict:
    return sc.model_dump(exclude={"folder"})


@pytest.fixture(scope="module")
def reference() -> dict:
    return _dump(load_scenario(CLUNISOIS))


def _sep(text: str) -> str:
    head = text.splitlines()[0]
    return max((";", ",", "\t"), key=head.count)


def _records(text: str) -> tuple[list[list[str]], str]:
    sep = _sep(text)
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=sep)), sep


def _write(records: list[list[str]], sep: str) -> str:
    buf = io.StringIO()
    csv.writer(buf, delimiter=sep, lineterminator="\n").writerows(records)
    return buf.getvalue()


def _field_starts(line: str, sep: str) -> list[int]:
    """Offsets where the fields of one physical line start (quotes respected)."""
    starts, quoted = [0], False
    for i, c in enumerate(line):
        if c == '"':
            quoted = not quoted
        elif c == sep and not quoted:
            starts.append(i + 1)
    return starts


def _corrupt(raw: bytes, table: str, kind: str, draw) -> bytes:
    text = raw.decode("utf-8-sig")
    records, sep = _records(text)
    lines = text.split("\n")
    n_data = len(records) - 1
    if kind == "cp1252":
        try:
            return text.encode("cp1252")
        except UnicodeEncodeError:
            assume(False)
    if kind == "utf16":
        return text.encode("utf-16")
    if kind == "bom":
        return b"\xef\xbb\xbf" + text.encode("utf-8")
    if kind == "separator":
        other = draw(st.sampled_from([s for s in (";", ",", "\t") if s != sep]))
        return _write(records, other).encode("utf-8")
    if kind == "shuffle":
        order = draw(st.permutations(range(len(records[0]))))
        return _write([[r[j] if j < len(r) else "" for j in order] for r in records], sep).encode("utf-8")
    assume(n_data >= 1)
    i = draw(st.integers(1, n_data))  # a data line (the files have one record per line)
    if kind == "quote":
        starts = [s for s in _field_starts(lines[i], sep) if not lines[i][s:s + 1] == '"']
        assume(starts)
        s = draw(st.sampled_from(starts))
        lines[i] = lines[i][:s] + '"' + lines[i][s:]
        return "\n".join(lines).encode("utf-8")
    if kind == "mixed":
        assume(not lines[i].isascii())
        try:
            bad = lines[i].encode("cp1252")
        except UnicodeEncodeError:
            assume(False)
        return b"\n".join(bad if k == i else ln.encode("utf-8") for k, ln in enumerate(lines))
    if kind == "rowsep":
        other = draw(st.sampled_from([s for s in (";", ",") if s != sep]))
        lines[i] = lines[i].replace(sep, other)
        return "\n".join(lines).encode("utf-8")
    # drop: empty a required cell
    header = records[0]
    required = [j for j, h in enumerate(header) if h.replace("\ufeff", "") in COLUMNS[table] and COLUMNS[table][h.replace("\ufeff", "")].required]
    assume(required)
    j = draw(st.sampled_from(required))
    assume(j < len(records[i]) and records[i][j].strip())
    records[i][j] = ""
    return _write(records, sep).encode("utf-8")


@settings(max_examples=30, deadline=None, database=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(name=st.sampled_from(FILES), kind=st.sampled_from(HARMLESS + HARMFUL), data=st.data())
def test_corrupted_clunisois_tables_load_equal_or_name_the_file(reference: dict, name: str, kind: str, data: st.DataObject) -> None:
    table = TABLE_OF[Path(name).stem]
    raw = (CLUNISOIS / name).read_bytes()
    bad = _corrupt(raw, table, kind, data.draw)
    folder = Path(tempfile.mkdtemp(prefix="itinerant-corrupt-"))
    try:
        shutil.copytree(CLUNISOIS, folder, dirs_exist_ok=True)
        (folder / name).write_bytes(bad)
        try:
            loaded = _dump(load_scenario(folder))
        except InputError as exc:
            files = {f.file for f in exc.faults}
            assert kind in HARMFUL, (kind, [str(f) for f in exc.faults[:5]])
            assert name in files, (kind, [str(f) for f in exc.faults[:5]])
            return
        # loaded: the corruption must have been harmless, and nothing may differ
        assert kind in HARMLESS or bad == raw, kind
        assert loaded == reference, kind
    finally:
        shutil.rmtree(folder)
