"""Matrix files: :func:`save_npz` / :func:`load_npz`, :func:`read_points_csv` and
:func:`itinerant.matrices.compute.matrix_from_points_file` reads the points."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from itinerant.core import atomic
from itinerant.core.places import Place, TravelMatrix

if TYPE_CHECKING:
    pass


def save_npz(matrix: TravelMatrix, path: Path | str) -> None:
    """Write a matrix: arrays ``ids`` (str, square matrices only), ``origin_ids``,
    ``dest_ids`` (str), ``duration_s``, ``distance_m`` (int64, row = origin),
    ``estimated`` (bool), ``source`` (str)."""
    with atomic.atomic_path(Path(path)) as tmp, open(tmp, "wb") as f:
        arrays: dict[str, np.ndarray] = {}
        if matrix.origin_ids == matrix.dest_ids:
            arrays["ids"] = np.array(matrix.origin_ids, dtype=str)
        arrays.update(
            origin_ids=np.array(matrix.origin_ids, dtype=str),
            dest_ids=np.array(matrix.dest_ids, dtype=str),
            duration_s=matrix.duration_s.astype(np.int64),
            distance_m=matrix.distance_m.astype(np.int64),
            estimated=np.array(matrix.estimated),
            source=np.array(matrix.source),
        )
        np.savez_compressed(f, **arrays)  # type: ignore[arg-type]


def load_npz(path: Path | str) -> TravelMatrix:
    """Read a matrix written by :func:`save_npz`."""
    with np.load(Path(path), allow_pickle=False) as z:
        return TravelMatrix(
            origin_ids=tuple(str(x) for x in z["origin_ids"]),
            dest_ids=tuple(str(x) for x in z["dest_ids"]),
            duration_s=z["duration_s"].astype(np.int64),
            distance_m=z["distance_m"].astype(np.int64),
            estimated=bool(z["estimated"]),
            source=str(z["source"]),
        )


def read_points_csv(points_csv: Path | str) -> list[Place]:
    """Places of a CSV with columns ``id,lat,lon``; InputError listing every bad row."""
    import csv
    import io

    from itinerant.core.errors import Fault, InputError

    path = Path(points_csv)
    faults: list[Fault] = []
    places: list[Place] = []
    seen: set[str] = set()
    from itinerant.core.safe import decode_text

    with io.StringIO(decode_text(path.read_bytes()), newline="") as f:  # UTF-8 or cp1252
        reader = csv.DictReader(f)
        missing = [c for c in ("id", "lat", "lon") if c not in (reader.fieldnames or [])]
        if missing:
            raise InputError([Fault(path.name, None, c, "colonne manquante", "en-tête attendu : id,lat,lon") for c in missing])
        for row_no, row in enumerate(reader, start=2):
            pid = (row["id"] or "").strip()
            if not pid:
                faults.append(Fault(path.name, row_no, "id", "identifiant vide"))
            elif pid in seen:
                faults.append(Fault(path.name, row_no, "id", f"identifiant '{pid}' en double"))
            seen.add(pid)
            coords = []
            for col, lo, hi in (("lat", -90, 90), ("lon", -180, 180)):
                text = (row[col] or "").strip().replace(",", ".")
                try:
                    value = float(text)
                except ValueError:
                    faults.append(Fault(path.name, row_no, col, f"'{row[col]}' n'est pas un nombre", "écrire des degrés décimaux, ex. 46.434"))
                    continue
                if not lo <= value <= hi:
                    faults.append(Fault(path.name, row_no, col, f"{value} hors de [{lo}, {hi}]"))
                    continue
                coords.append(value)
            if pid and len(coords) == 2:
                places.append(Place(pid, coords[0], coords[1]))
    if faults:
        raise InputError(faults)
    return places
