"""Start and stop Commons as `make run` runs it (`python -m app.cli run`), for the browser
tests and the benchmarks: on a free port, with the environment given, its output in a log."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


class AppProcessError(RuntimeError):
    """The app did not start, or did not stop cleanly."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def app_port() -> int:
    """The port for an app a benchmark starts: the one `make bench` chose for its whole run
    (`COMMONS_BENCH_PORT`; the frontend is built for its port, so once for the run:
    app/reflex_runner.py), else a free one."""
    return int(os.environ.get("COMMONS_BENCH_PORT") or 0) or free_port()


def start_app(env: dict, log: Path, url: str, timeout: float = 300) -> subprocess.Popen:
    """`python -m app.cli run` with `env`, its output in `log`, once it answers at `url`."""
    with log.open("w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "app.cli", "run"], cwd=ROOT, env=env,
                                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            raise AppProcessError(f"the app exited early:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/ping", timeout=2):
                return proc
        except OSError:
            if time.monotonic() > deadline:
                proc.kill()
                raise AppProcessError(
                    f"the app did not start:\n{log.read_text()[-3000:]}") from None
            time.sleep(0.25)


def stop_app(proc: subprocess.Popen) -> None:
    """SIGTERM to the app's own process stops it all (workers, sender) within seconds;
    raises when it does not (after killing what is left)."""
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        raise AppProcessError("the app did not stop within 10 s of SIGTERM") from None
    time.sleep(0.5)
    try:
        os.killpg(proc.pid, 0)
    except ProcessLookupError:
        return
    os.killpg(proc.pid, signal.SIGKILL)
    raise AppProcessError("a process of the app outlived SIGTERM")
