"""``zkrv build`` and ``zkrv execute`` as a user runs them (subprocess), including bad input."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

GUEST = r"""
#include <zkrv.h>
int main(void) {
    uint8_t buf[16];
    size_t n = zkrv_read(buf, sizeof buf);
    zkrv_log("echo guest");
    zkrv_commit(buf, n);
#ifdef EXIT_CODE
    return EXIT_CODE;
#else
    return (int)n;
#endif
}
"""


@pytest.fixture(scope="module")
def guest(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("cli")
    (d / "echo.c").write_text(GUEST)
    return d


def test_build_and_execute_json(cli, guest: Path) -> None:  # type: ignore[no-untyped-def]
    out = guest / "echo.elf"
    b = cli("build", str(guest / "echo.c"), "-o", str(out), "--json")
    assert b.returncode == 0, b.stderr
    info = json.loads(b.stdout)
    assert info["output"] == str(out) and out.is_file() and info["bytes"] > 0
    r = cli("execute", str(out), "--input-hex", "0x68690a", "--json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["exit_code"] == 3 and data["journal"] == "0x68690a"
    assert isinstance(data["cycles"], int) and data["cycles"] > 100
    assert data["journal_digest"] == "0x" + hashlib.sha256(b"hi\n").hexdigest()
    assert r.stderr.decode() == "[guest] echo guest\n"
    (guest / "in.bin").write_bytes(b"abcde")
    t = cli("execute", str(out), "--input", str(guest / "in.bin"))
    assert t.returncode == 0 and "exit code: 5" in t.stdout.decode()
    assert "0x6162636465" in t.stdout.decode()


def test_build_extra_flags_after_double_dash(cli, guest: Path) -> None:  # type: ignore[no-untyped-def]
    out = guest / "echo7.elf"
    b = cli("build", "-o", str(out), str(guest / "echo.c"), "--", "-O0", "-DEXIT_CODE=7")
    assert b.returncode == 0, b.stderr
    r = cli("execute", str(out), "--json")
    assert json.loads(r.stdout)["exit_code"] == 7 and json.loads(r.stdout)["journal"] == "0x"


@pytest.mark.parametrize(
    ("args", "code", "needle"),
    [
        (("build", "{d}/missing.c", "-o", "{d}/x.elf"), 1, "source file not found"),
        (("build", "{d}/echo.c"), 2, "-o/--output"),
        (("build", "{d}/bad.c", "-o", "{d}/x.elf"), 1, "error"),
        (("execute", "{d}/nope.elf"), 1, "cannot read ELF file"),
        (("execute", "{d}/echo.c"), 1, "not an ELF file"),
        (("execute", "{d}/echo.elf", "--input-hex", "zz"), 2, "not valid hex"),
        (("execute", "{d}/echo.elf", "--input", "{d}/none.bin"), 1, "cannot read input file"),
        (("execute", "{d}/echo.elf", "--max-cycles", "0"), 2, "must be positive"),
        (("execute", "{d}/echo.elf", "--max-cycles", "50"), 1, "cycle limit of 50 exceeded"),
    ],
)
def test_errors_are_one_line(
    cli, guest: Path, args: tuple[str, ...], code: int, needle: str
) -> None:  # type: ignore[no-untyped-def]
    (guest / "bad.c").write_text("int main(void) { return undefined_symbol; }\n")
    if not (guest / "echo.elf").exists():
        assert cli("build", str(guest / "echo.c"), "-o", str(guest / "echo.elf")).returncode == 0
    r = cli(*(a.format(d=guest) for a in args), "--json")
    assert r.returncode == code
    err = r.stderr.decode()
    assert err.startswith("zkrv: error: ") and err.count("\n") == 1 and "Traceback" not in err
    assert needle in err
    assert "error" in json.loads(r.stdout)
