"""``zkrv new``: scaffold an application project from the templates shipped in the package.

The templates (``zkrv/templates/new``) form a complete project: a C guest, a Python host that
proves and submits, an application contract that checks receipts through the zkrv router, and
pytest tests that run the flow on Anvil. Every template file ends in ``.tmpl``; a leading
``dot-`` becomes ``.``; the token ``__NAME__`` becomes the project name.
"""

from __future__ import annotations

import errno
import re
import secrets
import shutil
from pathlib import Path

from zkrv.errors import ZkrvError

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates" / "new"
NAME_TOKEN = "__NAME__"
#: Project names: a letter, then letters, digits, '-' or '_' (usable as a directory, a Python
#: distribution name and inside Solidity comments without quoting).
NAME_RE = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,63}")

__all__ = ["TEMPLATE_DIR", "new_project", "render_templates", "validate_name"]


def validate_name(name: str) -> None:
    """Raise :class:`ZkrvError` unless ``name`` matches :data:`NAME_RE`."""
    if not NAME_RE.fullmatch(name):
        raise ZkrvError(
            f"invalid project name {name!r}: use a letter, then up to 63 letters, digits, "
            "'-' or '_'"
        )


def _output_name(template: Path) -> Path:
    rel = template.relative_to(TEMPLATE_DIR)
    name = rel.name.removesuffix(".tmpl")
    if name.startswith("dot-"):
        name = "." + name.removeprefix("dot-")
    return rel.with_name(name)


def render_templates(name: str) -> dict[Path, str]:
    """The project's files for ``name``: relative path -> text."""
    validate_name(name)
    templates = sorted(p for p in TEMPLATE_DIR.rglob("*.tmpl") if p.is_file())
    if not templates:
        raise ZkrvError(f"zkrv's project templates are missing from {TEMPLATE_DIR}")
    return {_output_name(p): p.read_text().replace(NAME_TOKEN, name) for p in templates}


def new_project(name: str, directory: str | Path | None = None) -> tuple[Path, list[Path]]:
    """Create project ``name`` in ``directory`` (default ``./name``); (its path, the files
    created, relative to it).

    All or nothing: the files are written to a temporary directory beside the target, which is
    then renamed into place (into an existing empty directory, its entries are moved in and moved
    back out on failure, so the directory itself, perhaps someone's working directory, stays).
    Refuses a target that exists and is not an empty directory."""
    files = render_templates(name)
    target = Path(directory if directory is not None else name).resolve()
    if target.exists() and not (target.is_dir() and not any(target.iterdir())):
        raise ZkrvError(f"{target} already exists and is not an empty directory")
    parent = target.parent
    if not parent.is_dir():
        raise ZkrvError(f"{parent}: no such directory")
    # Path.mkdir, not mkdtemp (0700): the project gets the umask's usual permissions.
    tmp = parent / f".{target.name}.{secrets.token_hex(6)}.tmp"
    try:
        tmp.mkdir()
    except OSError as e:
        raise ZkrvError(f"cannot create {target}: {e.strerror or e}") from None
    try:
        for rel, text in files.items():
            path = tmp / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        host = tmp / "host.py"
        mode = host.stat().st_mode
        host.chmod(mode | (mode & 0o444) >> 2)  # executable wherever readable
        if target.is_dir():
            _move_entries(tmp, target)
            tmp.rmdir()
        else:
            tmp.rename(target)  # fails if the target appeared meanwhile
    except OSError as e:
        shutil.rmtree(tmp, ignore_errors=True)
        raise ZkrvError(f"cannot create {target}: {e.strerror or e}") from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target, sorted(files)


def _move_entries(src: Path, dst: Path) -> None:
    """Move every entry of ``src`` into the empty directory ``dst``; all or none."""
    moved: list[Path] = []
    try:
        for entry in sorted(src.iterdir()):
            if (dst / entry.name).exists():  # the directory was filled meanwhile
                raise FileExistsError(errno.EEXIST, "directory is no longer empty", str(dst))
            entry.rename(dst / entry.name)
            moved.append(entry)
    except BaseException:
        for entry in reversed(moved):
            (dst / entry.name).rename(entry)
        raise
