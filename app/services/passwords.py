"""Argon2 password hashing (pwdlib), and the small thread pool that work runs on.

A hash takes about a tenth of a second of CPU. Run on the event loop it would stall
every tab of the worker, so entry points await `off_loop(...)` for any unit of work that
hashes or verifies a password. Argon2 releases the GIL, so the loop keeps serving events
while the pool hashes; two threads bound the CPU and memory (64 MiB a hash) a burst of
sign-ins can take.
"""

import asyncio
import contextlib
import functools
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from typing import TypeVar

from pwdlib import PasswordHash

T = TypeVar("T")
POOL_THREADS = 2
HASH_NICENESS = 10


def _yield_to_the_loop() -> None:
    """Hashing threads run only when nothing else of the machine wants the CPU (Linux's
    SCHED_IDLE, set per thread and inherited by Argon2's lane threads; else a nice value),
    so a burst of sign-ins on a busy machine slows the sign-ins, not the other tabs'
    events: the event loop's thread, the database and the other workers go first."""
    tid = threading.get_native_id()
    with contextlib.suppress(AttributeError, OSError):
        os.sched_setscheduler(tid, os.SCHED_IDLE, os.sched_param(0))
        return
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, tid, HASH_NICENESS)


_pool = ThreadPoolExecutor(max_workers=POOL_THREADS, thread_name_prefix="commons-passwords",
                           initializer=_yield_to_the_loop)


async def off_loop(work: Callable[..., T], /, *args, **kwargs) -> T:
    """Run `work(*args, **kwargs)` on the password pool and await its result (or error)."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_pool, functools.partial(work, *args, **kwargs))


@lru_cache(maxsize=1)
def _hasher() -> PasswordHash:
    return PasswordHash.recommended()


def hash_password(password: str) -> str:
    return _hasher().hash(password)


NO_PASSWORD = "!"  # the hash of an account that has no password (made through a provider)


def verify_password(password: str, password_hash: str | None) -> bool:
    """True when `password` matches; with no hash it still spends the same time."""
    if password_hash is None or password_hash.startswith(NO_PASSWORD):
        _hasher().verify(password, _dummy_hash())
        return False
    return _hasher().verify(password, password_hash)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _hasher().hash("not a password anyone has")
