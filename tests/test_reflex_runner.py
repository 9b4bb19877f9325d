"""app/reflex_runner.py: the frontend is built again exactly when what it is built from
changed (the compiled pages, env.json and its port, the packages' lock file, Vite's
variables), and served again otherwise."""

from pathlib import Path

import pytest

from app.reflex_runner import build_unless_built, fingerprint


def _web(tmp_path: Path) -> Path:
    web = tmp_path / ".web"
    for name, text in {"app/routes/index.jsx": "page", "env.json": '{"EVENT": ":3000"}',
                       "package.json": "{}", "bun.lock": "lock",
                       "node_modules/react/index.js": "react",
                       "reflex.json": '{"last_reflex_run_datetime": "1"}'}.items():
        (web / name).parent.mkdir(parents=True, exist_ok=True)
        (web / name).write_text(text)
    return web


class Builder:
    """Stands for Vite: writes an output, as `reflex.utils.build.build` does (which first
    removes the old one)."""

    def __init__(self, web: Path):
        self.web, self.runs = web, 0

    def __call__(self) -> None:
        self.runs += 1
        (self.web / "build" / "client").mkdir(parents=True, exist_ok=True)
        (self.web / "build" / "client" / "index.html").write_text(f"build {self.runs}")


def test_a_second_start_with_nothing_changed_serves_the_first_build(tmp_path):
    web = _web(tmp_path)
    build = Builder(web)
    said = []
    assert build_unless_built(web, build, said.append) is True
    assert build_unless_built(web, build, said.append) is False
    assert build.runs == 1
    assert said == ["commons: the frontend is unchanged since its last build, which is served "
                    "again"]


@pytest.mark.parametrize("change", [
    lambda web: (web / "env.json").write_text('{"EVENT": ":3001"}'),       # another port
    lambda web: (web / "app/routes/index.jsx").write_text("page, changed"),  # a page
    lambda web: (web / "app/routes/new.jsx").write_text("a new page"),
    lambda web: (web / "app/routes/index.jsx").unlink(),                     # a page gone
    lambda web: (web / "bun.lock").write_text("other packages"),
    lambda web: (web / "build" / "client" / "index.html").unlink()           # output gone
    or (web / "build" / "client").rmdir(),
])
def test_a_changed_input_or_a_missing_output_builds_again(tmp_path, change):
    web = _web(tmp_path)
    build = Builder(web)
    build_unless_built(web, build)
    change(web)
    assert build_unless_built(web, build) is True
    assert build.runs == 2
    assert build_unless_built(web, build) is False


def test_what_the_build_does_not_read_changes_nothing(tmp_path):
    web = _web(tmp_path)
    before = fingerprint(web, {})
    (web / "reflex.json").write_text('{"last_reflex_run_datetime": "2"}')
    (web / "node_modules/react/index.js").write_text("reinstalled, same lock")
    (web / "build").mkdir()
    (web / "build" / "anything").write_text("output")
    assert fingerprint(web, {}) == before
    assert fingerprint(web, {"VITE_MINIFY": "false"}) != before
    assert fingerprint(web, {"PATH": "/elsewhere"}) == before


def test_a_failed_build_leaves_no_stamp(tmp_path):
    web = _web(tmp_path)

    def failing() -> None:
        raise SystemExit(1)

    with pytest.raises(SystemExit):
        build_unless_built(web, failing)
    build = Builder(web)
    assert build_unless_built(web, build) is True
