"""Where pass 2 of segmented proving runs: in this process, in local worker processes, or on a
Ray cluster (``docs/segments.md``, "Parallel and distributed proving").

Every runner calls the same pure function (the driver passes
:func:`~zkrv_prover.zkvm.segment_prover.prove_segment_encoded`) with the program image, the
input, one :class:`SegmentJob` (start state, cycle count, boundary rows, public values, boundary
secret and root; a few KiB, never a trace) and the global challenges, so the proofs are the same
wherever they run (the prover's randomness is the job's boundary secret for the boundary round
and fresh for the rest, which the verifier does not distinguish). Results come back in segment
order.

- ``jobs=1``: in order, in this process.
- ``jobs=N > 1``: N worker processes (fresh interpreters, :func:`worker_main`), each limited
  to ``cores // N`` threads (``ZKRV_THREADS`` and ``RAYON_NUM_THREADS``) so that they do not
  oversubscribe the cores, each fed one segment at a time. Each worker builds the segmented key
  once. A worker that dies under a segment is replaced and the segment rerun (at most
  :data:`RETRIES` times); a segment that raises is not rerun.
- ``ray=ADDRESS``: one Ray task per segment (``ray.init(address=ADDRESS)``; ``"local"`` starts
  a local instance with ``jobs`` CPUs). A task whose worker dies is retried by Ray
  (:data:`RETRIES`); a task that raises is not (proving is deterministic in its inputs, so
  it would fail again). Workers need ``zkrv_prover`` importable (same version).
"""

from __future__ import annotations

import os
import pickle
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from typing import IO, Any, TypeVar

from zkrv_prover import progress
from zkrv_prover.executor.image import MemoryImage
from zkrv_prover.stark.commit.params import PcsParams
from zkrv_prover.stark.field.field import ExtInt
from zkrv_prover.stark.protocol.prover import ProverError

__all__ = ["RETRIES", "default_jobs", "prove_jobs"]

#: How often a segment whose worker process died (node lost, out of memory, killed) is rerun,
#: by a fresh local worker or by Ray.
RETRIES = 3


def default_jobs() -> int:
    """The default worker count: the cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def _threads_per_job(jobs: int) -> int:
    return max(1, default_jobs() // jobs)


def _thread_env(threads: int) -> dict[str, str]:
    """A worker's thread settings (read by a fresh process at first use)."""
    return {"ZKRV_THREADS": str(threads), "RAYON_NUM_THREADS": str(threads)}


#: What a segment prover returns (the driver's ``prove_segment_encoded``: the encoded proof,
#: about a ninth of the decoded proof's memory, so the driver holds many).
R = TypeVar("R")
#: A segment prover's signature: (image, input, job, challenges, params) -> result. Passed in by
#: the driver (a module-level function, so that it pickles by name for worker processes).
ProveSegment = Callable[[MemoryImage, bytes, Any, tuple[ExtInt, ExtInt], PcsParams | None], R]


def prove_jobs(
    prove_one: ProveSegment[R],
    image: MemoryImage,
    input: bytes,
    jobs_list: Sequence[Any],
    challenges: tuple[ExtInt, ExtInt],
    params: PcsParams | None = None,
    *,
    jobs: int = 1,
    ray: str | None = None,
) -> list[R]:
    """Prove every segment job (pass 2) with ``prove_one`` and return its results in job order;
    the progress stage "segments" advances once per finished segment. ``jobs``: local worker
    processes (1: this process); ``ray``: a Ray address (``jobs`` then sizes a ``"local"``
    instance only). ValueError for ``jobs < 1``; the first segment failure seen is raised."""
    if jobs < 1:
        raise ValueError(f"jobs must be at least 1, got {jobs}")
    progress.stage("segments", len(jobs_list))
    if ray is not None:
        return _on_ray(prove_one, image, input, jobs_list, challenges, params, ray, jobs)
    if jobs == 1 or len(jobs_list) == 1:
        out = []
        for job in jobs_list:
            out.append(prove_one(image, input, job, challenges, params))
            progress.advance()
        return out
    n = min(jobs, len(jobs_list))
    return _in_processes(prove_one, image, input, jobs_list, challenges, params, n)


def _in_processes(
    prove_one: ProveSegment[R],
    image: MemoryImage,
    input: bytes,
    jobs_list: Sequence[Any],
    challenges: tuple[ExtInt, ExtInt],
    params: PcsParams | None,
    jobs: int,
) -> list[R]:
    """``jobs`` worker processes (:func:`worker_main`), each fed one segment at a time by a
    thread of this process; results are collected here (progress is reported from this
    thread). Fresh interpreters started with ``-m``, not ``multiprocessing``: they neither
    inherit this process's thread pools (as fork would) nor re-import the caller's script (as
    spawn does, which breaks scripts without a ``__main__`` guard)."""
    common = pickle.dumps((prove_one, image, bytes(input), challenges, params))
    todo: queue.Queue[int] = queue.Queue()
    for i in range(len(jobs_list)):
        todo.put(i)
    done: queue.Queue[tuple[int, R | None, BaseException | None]] = queue.Queue()
    env = {**os.environ, **_thread_env(_threads_per_job(jobs))}
    procs: list[subprocess.Popen[bytes] | None] = [None] * jobs
    lock = threading.Lock()  # procs: replaced by feeders, killed by the collector
    stop = threading.Event()

    def start(slot: int) -> subprocess.Popen[bytes]:
        with lock:
            if stop.is_set():
                raise ProverError("segment proving stopped")
            proc = subprocess.Popen(
                [sys.executable, "-m", "zkrv_prover.zkvm.segment_workers"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                env=env,
            )
            procs[slot] = proc
        assert proc.stdin is not None
        _send(proc.stdin, common)
        return proc

    def feed(slot: int) -> None:
        """Feed one worker slot; a worker that dies (killed, out of memory) is replaced and its
        segment rerun, at most RETRIES times per segment."""
        tries = 0
        i: int | None = None
        try:
            proc = start(slot)
            while not stop.is_set():
                if i is None:
                    try:
                        i = todo.get_nowait()
                    except queue.Empty:
                        return
                    tries = 0
                try:
                    assert proc.stdin is not None and proc.stdout is not None
                    _send(proc.stdin, pickle.dumps(jobs_list[i]))
                    ok, value = pickle.loads(_recv(proc.stdout))
                except (OSError, EOFError) as e:  # the worker died under this segment
                    code = proc.wait()
                    tries += 1
                    if stop.is_set():
                        return
                    if tries > RETRIES:
                        msg = f"segment {i}: its worker died {tries} times (exit code {code}): {e}"
                        done.put((-1, None, ProverError(msg)))
                        return
                    proc = start(slot)
                    continue
                done.put((i, value, None) if ok else (i, None, value))
                i = None
        except Exception as e:  # a worker that cannot start, an unpicklable value
            done.put((-1, None, ProverError(f"a segment worker failed: {e}")))

    threads = [threading.Thread(target=feed, args=(k,), daemon=True) for k in range(jobs)]
    for t in threads:
        t.start()
    out: list[R | None] = [None] * len(jobs_list)
    try:
        for _ in range(len(jobs_list)):
            i, proof, err = done.get()
            if err is not None:
                raise err
            out[i] = proof
            progress.advance()
    finally:
        with lock:
            stop.set()
            live = [p for p in procs if p is not None]
        for proc in live:
            if proc.stdin is not None:
                proc.stdin.close()  # EOF: the worker exits after its current segment
            if proc.poll() is None and any(p is None for p in out):
                proc.kill()
        for proc in live:
            proc.wait()
        for t in threads:
            t.join()
    return [p for p in out if p is not None]


def _send(f: IO[bytes], data: bytes) -> None:
    f.write(len(data).to_bytes(8, "little"))
    f.write(data)
    f.flush()


def _recv(f: IO[bytes]) -> bytes:
    head = f.read(8)
    if len(head) < 8:
        raise EOFError("worker closed its output")
    n = int.from_bytes(head, "little")
    data = f.read(n)
    if len(data) < n:
        raise EOFError("worker output truncated")
    return data


def worker_main() -> None:
    """A local segment worker (``python -m zkrv_prover.zkvm.segment_workers``): reads the
    common arguments, then segment jobs, from stdin; answers each with ``(True, result)`` or
    ``(False, exception)``; exits at end of input. Its stdout carries only these messages
    (anything printed goes to stderr)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the parent, which kills us
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    inp = sys.stdin.buffer
    try:
        prove_one, image, data, challenges, params = pickle.loads(_recv(inp))
    except EOFError:
        return
    while True:
        try:
            job = pickle.loads(_recv(inp))
        except EOFError:
            return
        try:
            reply = pickle.dumps((True, prove_one(image, data, job, challenges, params)))
        except Exception as e:  # sent to the parent, which raises it
            try:
                reply = pickle.dumps((False, e))
            except Exception:
                reply = pickle.dumps((False, ProverError(f"{type(e).__name__}: {e}")))
        _send(out, reply)


def _on_ray(
    prove_one: ProveSegment[R],
    image: MemoryImage,
    input: bytes,
    jobs_list: Sequence[Any],
    challenges: tuple[ExtInt, ExtInt],
    params: PcsParams | None,
    address: str,
    jobs: int,
) -> list[R]:
    import ray as ray_mod

    started = False
    if not ray_mod.is_initialized():
        if address == "local":
            ray_mod.init(num_cpus=jobs, include_dashboard=False, log_to_driver=False)
        else:
            ray_mod.init(address=address, log_to_driver=False)
        started = True
    try:
        threads = 1 if address != "local" else _threads_per_job(jobs)
        task: Callable[..., Any] = ray_mod.remote(
            num_cpus=1,
            max_retries=RETRIES,
            retry_exceptions=False,
            runtime_env={"env_vars": _thread_env(threads)},
        )(prove_one).remote
        # The image and input go to the object store once, not once per task.
        img_ref, inp_ref = ray_mod.put(image), ray_mod.put(bytes(input))
        refs = [task(img_ref, inp_ref, job, challenges, params) for job in jobs_list]
        index = {r: i for i, r in enumerate(refs)}
        out: list[R | None] = [None] * len(refs)
        pending = list(refs)
        while pending:
            done, pending = ray_mod.wait(pending, num_returns=1)
            for r in done:
                out[index[r]] = ray_mod.get(r)
                progress.advance()
        return [p for p in out if p is not None]
    finally:
        if started:
            ray_mod.shutdown()


if __name__ == "__main__":
    worker_main()
