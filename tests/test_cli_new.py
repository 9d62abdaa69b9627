"""``zkrv new``: the scaffold's files and errors, and the generated project's own tests."""

from __future__ import annotations

import fnmatch
import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from zkrv.errors import ZkrvError
from zkrv.scaffold import TEMPLATE_DIR, new_project, render_templates

REPO_ROOT = Path(__file__).resolve().parent.parent

EXPECTED_FILES = {
    ".gitignore",
    "README.md",
    "contracts/App.sol",
    "guest/main.c",
    "host.py",
    "pyproject.toml",
    "tests/test_app.py",
}


def test_render_substitutes_the_name_everywhere() -> None:
    files = render_templates("collatz-board")
    assert {p.as_posix() for p in files} == EXPECTED_FILES
    assert all("__NAME__" not in text for text in files.values())
    assert 'name = "collatz-board"' in files[Path("pyproject.toml")]
    assert files[Path("README.md")].startswith("# collatz-board\n")


@pytest.mark.parametrize("name", ["", "1app", "my app", "../evil", "a/b", "x" * 65, "é"])
def test_bad_names_are_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(ZkrvError, match="invalid project name"):
        new_project(name, tmp_path / "p")
    assert not (tmp_path / "p").exists()


def test_refuses_a_non_empty_directory_and_leaves_it_alone(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("mine")
    with pytest.raises(ZkrvError, match="not an empty directory"):
        new_project("app", tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["keep.txt"]


def test_refuses_a_file_and_fills_an_empty_directory(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("")
    with pytest.raises(ZkrvError, match="not an empty directory"):
        new_project("app", tmp_path / "f")
    (tmp_path / "empty").mkdir()
    inode = (tmp_path / "empty").stat().st_ino
    path, files = new_project("app", tmp_path / "empty")
    assert path == tmp_path / "empty" and {f.as_posix() for f in files} == EXPECTED_FILES
    # The directory itself stays (it may be the user's working directory); no temporary is left.
    assert path.stat().st_ino == inode
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty", "f"]
    assert os.access(path / "host.py", os.X_OK)


def test_a_failed_move_leaves_the_empty_directory_empty(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "empty"
    target.mkdir()
    real_rename = Path.rename
    calls: list[Path] = []

    def flaky_rename(self: Path, dst: Path) -> Path:
        calls.append(self)
        if len(calls) == 3:
            raise OSError(28, "No space left on device")
        return real_rename(self, dst)

    monkeypatch.setattr(Path, "rename", flaky_rename)
    with pytest.raises(ZkrvError, match=r"cannot create .*No space left"):
        new_project("app", target)
    assert list(target.iterdir()) == []
    assert [p.name for p in tmp_path.iterdir()] == ["empty"]


def test_missing_parent_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ZkrvError, match="no such directory"):
        new_project("app", tmp_path / "no" / "app")


def test_cli_json_and_errors(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "proj"
    r = cli("new", "proj", "--dir", str(target), "--json")
    assert r.returncode == 0, r.stderr.decode()
    data = json.loads(r.stdout)
    assert data["name"] == "proj" and Path(data["path"]) == target
    assert set(data["files"]) == EXPECTED_FILES
    assert all((target / f).is_file() for f in data["files"])
    r = cli("new", "proj", "--dir", str(target))
    assert r.returncode == 1 and r.stdout == b""
    err = r.stderr.decode()
    assert err.count("\n") == 1 and err.startswith("zkrv: error: ") and "not an empty" in err
    r = cli("new", "bad name", "--dir", str(tmp_path / "x"), "--json")
    assert r.returncode == 1 and "invalid project name" in json.loads(r.stdout)["error"]
    assert cli("new").returncode == 2


def test_templates_ship_as_package_data() -> None:
    # pyproject's package-data globs must cover every template, or a wheel would lack them.
    pyproject = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
    globs = pyproject["tool"]["setuptools"]["package-data"]["zkrv"]
    pkg = TEMPLATE_DIR.parent.parent
    rels = [p.relative_to(pkg).as_posix() for p in TEMPLATE_DIR.rglob("*") if p.is_file()]
    assert rels and all(any(fnmatch.fnmatch(r, g) for g in globs) for r in rels)


@pytest.mark.slow
@pytest.mark.anvil
def test_generated_project_passes_its_own_tests(tmp_path: Path) -> None:
    """Run the scaffold's pytest exactly as a user would: this interpreter, cwd = the project."""
    path, _ = new_project("board", tmp_path / "board")
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    env.pop("ZKRV_REAL_PROOFS", None)  # dev receipts only (a real proof adds ~30 s)
    p = subprocess.run(
        [sys.executable, "-m", "pytest", "-q"],
        cwd=path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert p.returncode == 0, p.stdout[-4000:] + p.stderr[-2000:]
    assert " passed" in p.stdout and "failed" not in p.stdout
    # The generated Python is lint- and format-clean under ruff's defaults.
    ruff = Path(sys.executable).parent / "ruff"
    for cmd in (["check", "."], ["format", "--check", "."]):
        r = subprocess.run([str(ruff), *cmd], cwd=path, capture_output=True, text=True)
        assert r.returncode == 0, r.stdout + r.stderr
