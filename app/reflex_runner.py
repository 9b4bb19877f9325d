"""`python -m app.reflex_runner ARGS` runs `reflex ARGS`, serving the last production build of
the frontend again when nothing it was built from has changed.

`reflex run --env prod` compiles the pages (about 4 s here) and then builds the frontend
with Vite (as long again, or longer). The build reads only the web folder Reflex compiles into
(`.web/`: the pages, `env.json` with the port the pages connect to, `package.json` and the
lock file of the packages); so after compiling, a fingerprint of those files (and of the
variables that steer Vite) is compared with the one the last build left beside its output,
and the build runs only when they differ. A restart of `make run`, and every app start of
`make bench` (one port for the whole run), skips the build.
"""

import hashlib
import os
import sys
from pathlib import Path

# Parts of `.web/` that are not the build's input: its output, the installed packages (the
# lock file stands for them), what the build itself writes, the backend's own files, and
# files Reflex rewrites at every run.
NOT_INPUT = {"build", "node_modules", ".react-router", "backend", "reflex.json",
             "reflex.install_frontend_packages.cached"}
STAMP = "build/.commons-built-from"


def fingerprint(web: Path, environ=os.environ) -> str:
    """What a build of `web` would be made from, as one digest."""
    digest = hashlib.sha256()
    files = sorted(p for p in web.rglob("*")
                   if p.is_file() and p.relative_to(web).parts[0] not in NOT_INPUT)
    for path in files:
        digest.update(str(path.relative_to(web)).encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    for name in sorted(n for n in environ if n.startswith(("VITE_", "NODE_"))
                       or n == "REFLEX_NO_AUTOPREFIXER"):
        digest.update(f"{name}={environ[name]}\0".encode())
    return digest.hexdigest()


def build_unless_built(web: Path, build, say=print) -> bool:
    """Run `build()` unless `web`'s last build was made from what is there now; True when
    it ran."""
    stamp = web / STAMP
    inputs = fingerprint(web)
    if stamp.is_file() and stamp.read_text() == inputs and (web / "build" / "client").is_dir():
        say("commons: the frontend is unchanged since its last build, which is served again")
        return False
    stamp.unlink(missing_ok=True)  # a build that fails half-way is not served again
    build()
    stamp.write_text(inputs)
    return True


def reuse_builds() -> None:
    """Make Reflex's production setup build the frontend only when its input changed."""
    from reflex.utils import build, prerequisites

    def setup_frontend_prod(root: Path) -> None:  # reflex.utils.build's, with the check
        build.setup_frontend(root)
        build_unless_built(prerequisites.get_web_dir(), build.build)

    build.setup_frontend_prod = setup_frontend_prod


if __name__ == "__main__":
    reuse_builds()
    from reflex.reflex import cli

    sys.exit(cli(sys.argv[1:]))
