"""`make bench`: every figure of issue 13 in one table, on this machine, in one run.

Runs each part (a script under bench/) in its own process, collects the rows they report,
and prints one Markdown table with the machine it ran on. `--short` is the version CI runs
(small sizes, a few rounds, targets shown but not enforced); `--readme` writes the table
into README.md between its bench markers.

    .venv/bin/python bench/run.py [--short] [--readme] [--only live,sessions]
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.report import Row, machine, read_rows, render  # noqa: E402
from tests.app_process import free_port  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PG = "postgresql+psycopg://postgres@127.0.0.1:5432/bench"
# name, script (each wipes the PostgreSQL database it is given)
PARTS = [
    ("live", "bench_live.py"),
    ("actions", "bench_actions.py"),
    ("lists", "bench_invitations.py"),
    ("bulk", "bench_bulk_invite.py"),
    ("sessions", "bench_sessions.py"),
    ("start", "bench_start.py"),
    ("load", "bench_load.py"),
]
# Not in the short run CI makes after the tests: `make soak` runs the load smoke in full.
NOT_SHORT = {"load"}
BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"


def postgres_url() -> str | None:
    """The PostgreSQL database the parts may wipe (created when missing); None when no
    PostgreSQL server answers (the parts then measure SQLite only)."""
    import psycopg
    from sqlalchemy.engine import make_url

    url = os.environ.get("COMMONS_BENCH_DATABASE_URL", PG)
    parts = make_url(url)
    plain = parts.set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        psycopg.connect(plain, connect_timeout=5).close()
        return url
    except psycopg.OperationalError as err:
        if "does not exist" not in str(err):
            print(f"bench: no PostgreSQL ({str(err).splitlines()[0]}): SQLite only")
            return None
    server = parts.set(drivername="postgresql", database="postgres")
    with psycopg.connect(server.render_as_string(hide_password=False), autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{parts.database}"')
    return url


def run_part(script: str, short: bool, out: Path, pg: str | None,
             port: int) -> tuple[float, int]:
    env = dict(os.environ)
    env.setdefault("COMMONS_BENCH_PORT", str(port))
    env.pop("COMMONS_TEST_DATABASE_URL", None)
    if pg:
        env["COMMONS_TEST_DATABASE_URL"] = pg
    args = [sys.executable, str(ROOT / "bench" / script), "--json", str(out)]
    started = time.monotonic()
    code = subprocess.run(args + (["--short"] if short else []), cwd=ROOT, env=env).returncode
    return time.monotonic() - started, code


def write_readme(table: str) -> None:
    readme = ROOT / "README.md"
    text = readme.read_text()
    block = f"{BEGIN}\n{table}\n{END}"
    if BEGIN in text:
        text = re.sub(re.escape(BEGIN) + ".*?" + re.escape(END), lambda _: block, text,
                      flags=re.S)
    else:
        text += f"\n{block}\n"
    readme.write_text(text)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--short", action="store_true")
    parser.add_argument("--readme", action="store_true")
    parser.add_argument("--only", default="")
    args = parser.parse_args()
    wanted = {w for w in args.only.split(",") if w}
    out = Path(tempfile.mkdtemp(prefix="commons-bench-")) / "rows.json"
    started, failed, pg = time.monotonic(), [], postgres_url()
    # every app the parts start listens on this port: built for it once, the frontend is
    # served again at the next start (app/reflex_runner.py)
    port = free_port()
    for name, script in PARTS:
        if (wanted and name not in wanted) or (args.short and name in NOT_SHORT
                                               and name not in wanted):
            continue
        print(f"--- {name} ({script})", flush=True)
        took, code = run_part(script, args.short, out, pg, port)
        print(f"--- {name}: {took:.0f} s", flush=True)
        if code:
            failed.append(name)
    rows = read_rows(str(out))
    if args.short:  # small sizes and few rounds: the figures prove the benchmark runs
        for row in rows:
            row.met = None
    rows += [Row(f"part failed: {n}", "see its output above", "runs", False) for n in failed]
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    header = (f"`make bench{' (short: targets not judged)' if args.short else ''}`, {when}, "
              f"{time.monotonic() - started:.0f} s, on {machine()}")
    table = render(rows, header)
    print("\n" + table)
    if args.readme:
        write_readme(table)
    # Short runs (CI) only prove the benchmark runs; full runs report missed targets too.
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
