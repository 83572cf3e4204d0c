"""`eee serve`: the preview follows the edits, shows the registry's errors in its pages, serves only the site,
and stops leaving nothing behind. Every wait has a deadline and checks a condition (no fixed sleep)."""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from eee import serve

from .conftest import copy_base
from .test_browser import browser  # noqa: F401 - the fixture, shared

DEADLINE = 60.0  # seconds: far above what any step takes, even on a loaded machine


def wait_for(condition: Callable[[], object], what: str, deadline: float = DEADLINE) -> object:
    end = time.monotonic() + deadline
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > end:
            pytest.fail(f"waited {deadline} s for {what}")
        time.sleep(0.05)


def get(port: int, path: str, host: str | None = None) -> tuple[int, str]:
    """GET `path` exactly as written (no normalisation, no proxy); the status and the body."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.putrequest("GET", path, skip_host=True)
        connection.putheader("Host", host or f"127.0.0.1:{port}")
        connection.endheaders()
        response = connection.getresponse()
        return response.status, response.read().decode("utf-8", "replace")
    finally:
        connection.close()


class Running:
    """`eee serve` in a subprocess, its output in files; its port once it says its address."""

    def __init__(self, registry: Path, folder: Path, *args: str) -> None:
        self.tmp = folder / "tmp"  # its TMPDIR: empty again once it has stopped
        self.tmp.mkdir()
        self.out_path, self.err_path = folder / "out.txt", folder / "err.txt"
        env = {**os.environ, "TMPDIR": str(self.tmp)}
        with open(self.out_path, "w") as out, open(self.err_path, "w") as err:
            # SIGINT as in a terminal, even if the tests run where it is ignored (a background job).
            self.process = subprocess.Popen(
                [sys.executable, "-m", "eee", "-r", str(registry), "serve", "--port", "0", *args],
                stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=env,
                preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        try:
            found = wait_for(lambda: self.process.poll() is not None
                             or re.search(r"http://127\.0\.0\.1:(\d+)/", self.out()), "the address")
        except BaseException:
            self.close()
            raise
        if self.process.poll() is not None:
            self.close()
            pytest.fail(f"eee serve ended ({self.process.returncode}): {self.out()}\n{self.err()}")
        assert isinstance(found, re.Match)
        self.port = int(found.group(1))

    def out(self) -> str:
        return self.out_path.read_text(encoding="utf-8")

    def err(self) -> str:
        return self.err_path.read_text(encoding="utf-8")

    def page(self, path: str) -> str:
        status, body = get(self.port, path)
        assert status == 200, (path, status, body)
        return body

    def stop(self, signum: int) -> int:
        self.process.send_signal(signum)
        try:
            return self.process.wait(timeout=DEADLINE)
        finally:
            self.close()

    def close(self) -> None:
        """Kill it if it still runs, and reap it."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()


@pytest.fixture
def depot(tmp_path: Path) -> Path:
    """A registry repository: registry/ and templates/ beside it."""
    copy_base(tmp_path / "depot" / "registry")
    (tmp_path / "depot" / "templates" / "html" / "static").mkdir(parents=True)
    return tmp_path / "depot"


@pytest.fixture
def running(depot: Path, tmp_path: Path) -> Iterator[Running]:
    preview = Running(depot / "registry", tmp_path)
    yield preview
    preview.close()


def test_the_preview_follows_the_edits_shows_the_errors_and_stops_clean(depot: Path, running: Running) -> None:
    ales = depot / "registry" / "clee" / "clee-ales.yaml"
    text = ales.read_text(encoding="utf-8")
    page = running.page("/clee/clee-ales.html")
    assert "CLEE d&#39;Alès" in page and "eee-apercu-erreurs" not in page
    assert 'src="/_eee/apercu.js"' in page  # the reloading script, in the served page only…
    assert "/_eee/" not in "".join(p.read_text(encoding="utf-8", errors="replace")
                                   for p in running.tmp.rglob("*.html"))  # …never in the files built
    first = running.page("/_eee/generation")
    assert "fetch(\"/_eee/generation\"" in running.page("/_eee/apercu.js")

    # An edit of the registry: the new content is served, under a new generation (open pages reload).
    ales.write_text(text.replace("nom: CLEE d'Alès", "nom: CLEE d'Alès et des Cévennes"), encoding="utf-8")
    wait_for(lambda: "Alès et des Cévennes" in running.page("/clee/clee-ales.html"), "the edit served")
    wait_for(lambda: running.page("/_eee/generation") != first, "a new generation")  # published after the build

    # A template of the registry repository (its static files): served too.
    (depot / "templates" / "html" / "static" / "essai.css").write_text("/* essai */\n", encoding="utf-8")
    wait_for(lambda: get(running.port, "/essai.css") == (200, "/* essai */\n"), "the new static file")

    # A broken file: its error at the top of every page, escaped, with file:line:column and code; the last good
    # site still served.
    ales.write_text(text.replace("nom: CLEE d'Alès", "nom: CLEE d'Alès et des Cévennes\n<b>x</b>: 1"),
                    encoding="utf-8")
    wait_for(lambda: "eee-apercu-erreurs" in running.page("/clee/clee-ales.html"), "the error shown")
    page = running.page("/clee/clee-ales.html")
    assert "Le registre a 1 erreur" in page and "EEE-S001" in page
    assert "registry/clee/clee-ales.yaml:2:1" in page or re.search(r"clee-ales\.yaml:\d+:\d+", page)
    assert "« &lt;b&gt;x&lt;/b&gt; »" in page and "<b>x</b>" not in page
    assert "Alès et des Cévennes" in page  # the last good site
    assert "eee-apercu-erreurs" in running.page("/index.html")
    assert "EEE-S001" in running.err()

    # Fixed: the banner goes, the fix is served.
    ales.write_text(text.replace("nom: CLEE d'Alès", "nom: CLEE d'Alès réparé"), encoding="utf-8")
    wait_for(lambda: "eee-apercu-erreurs" not in (p := running.page("/clee/clee-ales.html"))
             and "Alès réparé" in p, "the fix served")

    # Ctrl-C: exit 130, no temporary folder left, nothing written into the registry's repository.
    assert running.stop(signal.SIGINT) == 130, running.err()
    assert "interrompu" in running.err()
    assert list(running.tmp.iterdir()) == []
    assert sorted(p.name for p in depot.iterdir()) == ["registry", "templates"]
    with pytest.raises(OSError):
        get(running.port, "/")


def test_the_preview_serves_only_the_site(depot: Path, tmp_path: Path) -> None:
    (tmp_path / "secret.txt").write_text("SECRET", encoding="utf-8")
    site = tmp_path / "site"
    preview = Running(depot / "registry", tmp_path, "--out", str(site))
    try:
        assert preview.page("/")  # the site's own pages are served
        # Links from the site to outside it, made after the build.
        os.symlink(tmp_path / "secret.txt", site / "lien.txt")
        os.symlink(tmp_path, site / "dehors")
        for path in ["/../secret.txt", "/%2e%2e/secret.txt", "/%2E%2E%2Fsecret.txt", "/clee/../../secret.txt",
                     "/..%5csecret.txt", "//" + str(tmp_path / "secret.txt"), str(tmp_path / "secret.txt"),
                     "/%2F" + str(tmp_path / "secret.txt").lstrip("/"), "/lien.txt", "/dehors/secret.txt",
                     "/.eee-sortie", f"http://127.0.0.1:{preview.port}/../secret.txt", "/%00", "/_eee/../secret.txt"]:
            status, body = get(preview.port, path)
            assert 400 <= status < 500 and "SECRET" not in body, (path, status)
        # Another name for 127.0.0.1 (a page of another site that rebinds its name to this machine) reads nothing.
        status, body = get(preview.port, "/", host="exemple.org")
        assert status == 403 and "<html" not in body
        # A folder without its final slash: redirected, so that its pages' relative links work.
        assert get(preview.port, "/clee")[0] == 301
        assert preview.stop(signal.SIGTERM) == 143  # SIGTERM as Ctrl-C (cli/app.py), with its own code
    finally:
        preview.close()
    assert (site / "index.html").is_file()  # --out keeps the site


def test_a_registry_broken_from_the_start_gets_an_error_page_until_fixed(depot: Path, tmp_path: Path) -> None:
    ales = depot / "registry" / "clee" / "clee-ales.yaml"
    text = ales.read_text(encoding="utf-8")
    ales.write_text(text.replace("statut: actif", "statut: [actif"), encoding="utf-8")
    preview = Running(depot / "registry", tmp_path)
    try:
        status, body = get(preview.port, "/clee/clee-ales.html")
        assert status == 503 and "Aucun site n'a encore pu être construit" in body
        assert re.search(r"clee-ales\.yaml:\d+:\d+</code> \[EEE-Y\d+\]", body), body
        assert 'src="/_eee/apercu.js"' in body
        ales.write_text(text, encoding="utf-8")
        wait_for(lambda: get(preview.port, "/clee/clee-ales.html")[0] == 200, "the site once fixed")
        assert preview.stop(signal.SIGINT) == 130
    finally:
        preview.close()


def test_a_port_in_use_is_said_in_french(depot: Path, tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run([sys.executable, "-m", "eee", "-r", str(depot / "registry"), "serve", "--port",
                                 str(port)], capture_output=True, text=True, timeout=DEADLINE, cwd=tmp_path)
    assert result.returncode == 3
    assert f"le port {port} est déjà utilisé" in result.stderr and "--port" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(("port", "said"), [("70000", "un port va de 1 à 65535"),
                                            ("abc", "un nombre entier est attendu")])
def test_a_wrong_port_is_a_usage_error_in_french(depot: Path, tmp_path: Path, port: str, said: str) -> None:
    result = subprocess.run([sys.executable, "-m", "eee", "-r", str(depot / "registry"), "serve", "--port", port],
                            capture_output=True, text=True, timeout=DEADLINE, cwd=tmp_path)
    assert result.returncode == 2 and said in result.stderr, result.stderr


def test_stopping_leaves_no_thread_and_no_folder(depot: Path) -> None:
    """In the process itself: the server's and the requests' threads end, the watcher stops, the temporary site
    goes."""
    before = set(threading.enumerate())
    root = depot / "registry"
    session = serve.start(serve.Builder(root, Path("site"), "registry"), 0, None)
    try:
        assert session.rebuild() == []
        temporary = session.temporary
        assert temporary is not None and (temporary / "site" / "index.html").is_file()
        assert "CLEE d&#39;Alès" in get(session.server.port, "/clee/clee-ales.html")[1]
        seen: list[tuple[list[Path], list[serve.Shown]]] = []
        watcher = threading.Thread(target=serve.follow,
                                   args=(session, lambda changed, errors, took: seen.append((changed, errors))))
        watcher.start()
        ales = root / "clee" / "clee-ales.yaml"

        ales.write_text(ales.read_text(encoding="utf-8").replace("statut: actif", "statut: en_sommeil"),
                        encoding="utf-8")  # before `follow` runs: the watcher is there since `start`
        wait_for(lambda: seen, "the rebuild")
        assert seen[0] == ([ales], [])
        session.stop.set()
        watcher.join(DEADLINE)
        assert not watcher.is_alive()
    finally:
        session.close()
    assert not temporary.exists()
    assert set(threading.enumerate()) == before


@pytest.mark.browser
def test_an_open_page_reloads_itself_and_shows_the_errors(depot: Path, running: Running,
                                                          browser: Any) -> None:  # noqa: F811 - the fixture
    """In Chromium: the page open at the DSFR site reloads after an edit, then shows the error banner."""
    ales = depot / "registry" / "clee" / "clee-ales.yaml"
    text = ales.read_text(encoding="utf-8")
    page = browser.new_page()
    try:
        page.goto(f"http://127.0.0.1:{running.port}/clee/clee-ales.html")
        assert page.locator("h1").inner_text() == "CLEE d'Alès"
        ales.write_text(text.replace("nom: CLEE d'Alès", "nom: CLEE d'Alès et des Cévennes"), encoding="utf-8")
        page.wait_for_function("document.querySelector('h1').textContent.includes('Cévennes')",
                               timeout=DEADLINE * 1000)
        ales.write_text(text.replace("statut: actif", "statut: inconnu"), encoding="utf-8")
        banner = page.locator("#eee-apercu-erreurs")
        banner.wait_for(timeout=DEADLINE * 1000)
        assert banner.is_visible() and "EEE-S004" in banner.inner_text()
        assert "Cévennes" in page.locator("h1").inner_text()  # the last good site, under the banner
    finally:
        page.close()
