"""A small bounded worker pool for CPU-bound photo work, with admission control.

``admit()`` counts a job in, or refuses it at once with 503 and ``Retry-After`` when ``workers``
jobs run and ``queue`` more wait. ``run()`` executes in a thread pool (Pillow drops the GIL while
decoding, resizing and encoding) or a process pool, whose workers get a lower CPU priority than
the event loop so that other requests stay fast while photos are decoded.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from typing import Any, TypeVar

from hotline.errors import Unavailable

T = TypeVar("T")


def _lower_priority(nice: int, per_thread: bool) -> None:
    """Pool initializer: make photo work yield the CPU to the event loop."""
    if nice <= 0:
        return
    with contextlib.suppress(OSError, AttributeError):
        if not per_thread:
            os.nice(nice)
        elif sys.platform.startswith("linux"):  # a Linux thread is a task with its own nice value
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), nice)


def _init_process_worker(nice: int, owner_pid: int) -> None:
    _lower_priority(nice, per_thread=False)
    threading.Thread(target=_exit_with_owner, args=(owner_pid,), daemon=True).start()


def _exit_with_owner(owner_pid: int) -> None:
    """End this worker once the API process is gone. Uvicorn re-raises SIGTERM after its own
    shutdown, so the API process can die without telling its pool, which would linger."""
    while True:
        time.sleep(1.0)
        try:
            os.kill(owner_pid, 0)
        except (ProcessLookupError, PermissionError):  # gone (or the pid now belongs to another)
            os._exit(0)


class BoundedPool:
    def __init__(
        self,
        workers: int = 2,
        queue: int = 8,
        *,
        executor: str = "thread",
        nice: int = 0,
        retry_after_s: int = 5,
    ) -> None:
        if workers < 1 or queue < 0 or executor not in ("thread", "process"):
            raise ValueError("need workers >= 1, queue >= 0, executor 'thread' or 'process'")
        self.workers, self.queue, self.executor_kind = workers, queue, executor
        self.nice, self.retry_after_s = nice, retry_after_s
        self.active = 0  # admitted jobs: running or waiting for a worker
        self._pool: Executor | None = None
        self._slots: asyncio.Semaphore | None = None
        self._slots_loop: asyncio.AbstractEventLoop | None = None

    def busy(self) -> Unavailable:
        return Unavailable(
            "照片处理繁忙，请稍后重试",
            code="busy",
            headers={"Retry-After": str(self.retry_after_s)},
        )

    @contextlib.contextmanager
    def admit(self) -> Iterator[None]:
        """Count one job in for the duration of the block, or raise 503 when full."""
        if self.active >= self.workers + self.queue:
            raise self.busy()
        self.active += 1
        try:
            yield
        finally:
            self.active -= 1

    def _executor(self) -> Executor:
        if self._pool is None:
            if self.executor_kind == "process":
                self._pool = ProcessPoolExecutor(
                    self.workers,
                    mp_context=multiprocessing.get_context("forkserver"),
                    initializer=_init_process_worker,
                    initargs=(self.nice, os.getpid()),
                )
            else:
                self._pool = ThreadPoolExecutor(
                    self.workers,
                    thread_name_prefix="photo",
                    initializer=_lower_priority,
                    initargs=(self.nice, True),
                )
        return self._pool

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """``fn(*args)`` on a worker. The slot stays taken until the worker is really done, even
        when the awaiting request is cancelled (a running decode cannot be interrupted)."""
        loop = asyncio.get_running_loop()
        if self._slots is None or self._slots_loop is not loop:
            self._slots, self._slots_loop = asyncio.Semaphore(self.workers), loop
        slots = self._slots
        await slots.acquire()
        try:
            future = self._executor().submit(fn, *args)
        except BaseException:
            slots.release()
            raise

        def release(_: object) -> None:
            with contextlib.suppress(RuntimeError):  # the loop is already closed
                loop.call_soon_threadsafe(slots.release)

        future.add_done_callback(release)
        return await asyncio.wrap_future(future)

    def close(self) -> None:
        """Stop the workers (a new pool starts on the next ``run``)."""
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
