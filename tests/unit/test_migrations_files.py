"""Migration discovery: ordered versions, strict names, no duplicate versions."""

from pathlib import Path

import pytest

from shared.migrate import MIGRATIONS_DIR, discover

pytestmark = pytest.mark.unit


def _write(directory: Path, *names: str) -> None:
    for name in names:
        (directory / name).write_text(f"-- {name}\nSELECT 1;\n")


def test_repository_migrations_are_ordered_and_unique() -> None:
    found = discover()
    versions = [v for v, _, _ in found]
    assert versions, "no migrations found"
    assert versions == sorted(versions)
    assert len(set(versions)) == len(versions)
    assert versions[0] == 1
    assert versions == list(range(1, len(versions) + 1)), "versions should have no gaps"
    for version, name, sql in found:
        assert name.startswith(f"{version:04d}_")
        assert sql == (MIGRATIONS_DIR / name).read_text()
        assert sql.strip()


def test_discover_orders_by_version(tmp_path: Path) -> None:
    _write(tmp_path, "0010_ten.sql", "0002_two.sql", "0001_one.sql")
    found = discover(tmp_path)
    assert [(v, n) for v, n, _ in found] == [
        (1, "0001_one.sql"),
        (2, "0002_two.sql"),
        (10, "0010_ten.sql"),
    ]
    assert found[0][2] == "-- 0001_one.sql\nSELECT 1;\n"


def test_discover_ignores_non_sql_files(tmp_path: Path) -> None:
    _write(tmp_path, "0001_one.sql", "README.md", "0002_two.sql.bak")
    assert [n for _, n, _ in discover(tmp_path)] == ["0001_one.sql"]


def test_discover_empty_directory(tmp_path: Path) -> None:
    assert discover(tmp_path) == []


@pytest.mark.parametrize(
    "bad",
    [
        "1_short.sql",
        "00001_five_digits.sql",
        "0003-dash.sql",
        "0003_Upper.sql",
        "0003_with space.sql",
        "0003.sql",
        "0003_.sql",
        "abcd_letters.sql",
        "init.sql",
    ],
)
def test_discover_rejects_badly_named_files(tmp_path: Path, bad: str) -> None:
    _write(tmp_path, "0001_one.sql", bad)
    with pytest.raises(ValueError, match=r"0001_name\.sql") as info:
        discover(tmp_path)
    assert bad in str(info.value)


def test_discover_rejects_duplicate_versions(tmp_path: Path) -> None:
    _write(tmp_path, "0001_one.sql", "0002_two.sql", "0002_also_two.sql")
    with pytest.raises(ValueError, match="share a version"):
        discover(tmp_path)
