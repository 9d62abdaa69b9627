"""Starting and stopping a local Anvil node.

:class:`AnvilNode` runs ``anvil`` as a child process on 127.0.0.1 (a free port unless one is
given), waits until its JSON-RPC answers, and stops it on :meth:`AnvilNode.stop` (or at the end
of a ``with`` block). :func:`start_background`/:func:`stop_background` keep a detached node
alive between ``zkrv node start`` and ``zkrv node stop``, remembered in a small state file.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from zkrv.errors import ToolchainError, ZkrvError
from zkrv.fsutil import atomic_write_text
from zkrv.toolchain import find_tool

DEFAULT_CHAIN_ID = 31337


def free_port() -> int:
    """A TCP port that was free on 127.0.0.1 a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rpc_call(url: str, method: str, params: list[Any] | None = None, timeout: float = 2.0) -> Any:
    """One JSON-RPC request without web3 (used for readiness checks)."""
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params or []})
    req = urllib.request.Request(
        url, data=body.encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        reply = json.loads(resp.read())
    if "error" in reply:
        raise ZkrvError(f"{url}: {method} failed: {reply['error']}")
    return reply["result"]


def wait_ready(url: str, timeout: float, proc: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if proc is not None and proc.poll() is not None:
            raise ToolchainError(f"anvil exited with status {proc.returncode} before it was ready")
        try:
            rpc_call(url, "eth_chainId", timeout=1.0)
            return
        except (OSError, urllib.error.URLError, ValueError):
            if time.monotonic() > deadline:
                raise ToolchainError(f"anvil at {url} not ready after {timeout:.0f} s") from None
            time.sleep(0.1)


def _anvil_argv(port: int, chain_id: int) -> list[str]:
    anvil = find_tool("anvil")
    return [str(anvil), "--host", "127.0.0.1", "--port", str(port), "--chain-id", str(chain_id)]


class AnvilNode:
    """A local Anvil child process. ``rpc_url`` is valid between :meth:`start` and :meth:`stop`."""

    def __init__(
        self,
        port: int | None = None,
        chain_id: int = DEFAULT_CHAIN_ID,
        extra_args: tuple[str, ...] = (),
    ) -> None:
        self.port = port or free_port()
        self.chain_id = chain_id
        self.extra_args = extra_args
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def rpc_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> AnvilNode:
        if self.proc is not None:
            return self
        self.proc = subprocess.Popen(
            [*_anvil_argv(self.port, self.chain_id), *self.extra_args],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_ready(self.rpc_url, timeout, self.proc)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    def __enter__(self) -> AnvilNode:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


# --- background node for the CLI -----------------------------------------------------------


def default_state_file() -> Path:
    base = os.environ.get("ZKRV_STATE_DIR") or os.path.join(Path.home(), ".cache", "zkrv")
    return Path(base) / "anvil.json"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def read_state(state_file: Path) -> dict[str, Any] | None:
    """The recorded background node if its process is still alive, else None."""
    try:
        state = json.loads(state_file.read_text())
        pid = int(state["pid"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return state if _pid_alive(pid) and _looks_like_anvil(pid) else None


def _looks_like_anvil(pid: int) -> bool:
    """Guard against a recycled PID: on Linux, the process must be an anvil."""
    cmdline = Path(f"/proc/{pid}/cmdline")
    if not Path("/proc").is_dir():
        return True
    try:
        return b"anvil" in cmdline.read_bytes()
    except OSError:
        return False


def start_background(
    state_file: Path, port: int | None = None, chain_id: int = DEFAULT_CHAIN_ID
) -> dict[str, Any]:
    """Start a detached Anvil (unless one recorded in ``state_file`` runs); its state dict."""
    existing = read_state(state_file)
    if existing is not None:
        raise ZkrvError(
            f"a zkrv node is already running at {existing['rpc_url']} (pid {existing['pid']}); "
            "run 'zkrv node stop' first"
        )
    port = port or free_port()
    log = state_file.with_suffix(".log")
    state_file.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as logf:
        proc = subprocess.Popen(
            _anvil_argv(port, chain_id),
            stdout=logf,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # survives the CLI process
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(url, 30.0, proc)
    except BaseException:
        proc.kill()
        raise
    state = {"pid": proc.pid, "port": port, "rpc_url": url, "chain_id": chain_id, "log": str(log)}
    atomic_write_text(state_file, json.dumps(state))
    return state


def stop_background(state_file: Path) -> dict[str, Any] | None:
    """Stop the background node recorded in ``state_file``; its state, or None if none ran."""
    state = read_state(state_file)
    with contextlib.suppress(OSError):
        state_file.unlink()
    if state is None:
        return None
    pid = int(state["pid"])
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        while _pid_alive(pid) and time.monotonic() < deadline:
            _reap(pid)
            time.sleep(0.05)
        if _pid_alive(pid):
            os.kill(pid, signal.SIGKILL)
    return state


def _reap(pid: int) -> None:
    # Only our own child can be reaped; for a node started by another process this is a no-op.
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)
