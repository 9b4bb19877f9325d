"""The benchmark table: every part of `make bench` reports rows of the same shape.

A part (a script under `bench/`) measures its figures and writes them with `write_rows`
to the JSON file named by `--json`; `bench/run.py` runs the parts, collects their rows and
prints one table with the machine it ran on. A row:

    figure   what was measured ("2 live update, 1 worker: p50 / p95")
    value    what was measured, with its unit ("41 / 63 ms")
    target   the target as written in issue 13 ("p95 < 100 ms"), "baseline" or "printed"
    met      True / False, or None for a figure without a target
"""

import json
import os
import platform
import statistics
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass
class Row:
    figure: str
    value: str
    target: str = "printed"
    met: bool | None = None


def percentile(samples: list[float], q: float) -> float:
    """The `q` quantile (0..1) of `samples`, nearest rank."""
    ordered = sorted(samples)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


def p50_p95(samples: list[float]) -> tuple[float, float]:
    return statistics.median(samples), percentile(samples, 0.95)


def write_rows(path: str | None, rows: list[Row]) -> None:
    """Print `rows` and, when `path` is given, append them to that JSON file."""
    for row in rows:
        mark = {True: "met", False: "NOT MET", None: ""}[row.met]
        print(f"{row.figure:60s} {row.value:28s} {row.target:24s} {mark}", flush=True)
    if not path:
        return
    file = Path(path)
    old = json.loads(file.read_text()) if file.exists() and file.stat().st_size else []
    file.write_text(json.dumps(old + [asdict(r) for r in rows], indent=1))


def read_rows(path: str) -> list[Row]:
    file = Path(path)
    if not file.exists() or not file.stat().st_size:
        return []
    return [Row(**r) for r in json.loads(file.read_text())]


def machine() -> str:
    """One line naming the machine: CPU model, cores, memory, OS, Python."""
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        kib = int(next(line.split()[1] for line in Path("/proc/meminfo").read_text()
                       .splitlines() if line.startswith("MemTotal")))
        memory = f"{kib / 1024 / 1024:.0f} GiB"
    except (OSError, StopIteration, ValueError):
        memory = "? GiB"
    return (f"{model}, {os.cpu_count()} cores, {memory}, {platform.system()} "
            f"{platform.release()}, Python {platform.python_version()}")


def render(rows: list[Row], header: str) -> str:
    """A Markdown table of `rows` under a line naming the machine and the run."""
    lines = [header, "", "| figure | value | target | met |", "|---|---|---|---|"]
    for r in rows:
        mark = {True: "yes", False: "**no**", None: ""}[r.met]
        lines.append(f"| {r.figure} | {r.value} | {r.target} | {mark} |")
    return "\n".join(lines)
