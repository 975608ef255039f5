"""Packaging claims hold: every package-data pattern names files that exist, and the
console script's target is the function the CLI defines."""

from __future__ import annotations

import tomllib

from tests.conftest import REPO


def _pyproject() -> dict:
    return tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))


def test_every_package_data_pattern_matches_files() -> None:
    data = _pyproject()["tool"]["setuptools"]["package-data"]
    assert data
    for package, patterns in data.items():
        root = REPO / "src" / package.replace(".", "/")
        for pattern in patterns:
            assert [p for p in root.glob(pattern) if p.is_file()], f"{package}: {pattern} matches nothing"


def test_console_script_calls_the_cli_main() -> None:
    import itinerant.cli

    target = _pyproject()["project"]["scripts"]["itinerant"]
    module, func = target.split(":")
    assert module == "itinerant.cli" and callable(getattr(itinerant.cli, func))
    assert func == "main"  # the function ``python -m itinerant`` runs too
    assert "main()" in (REPO / "src" / "itinerant" / "__main__.py").read_text(encoding="utf-8")
