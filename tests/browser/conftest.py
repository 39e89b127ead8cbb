"""A live server on a free loopback port, serving the per-test database, for Playwright."""

import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from marketplace.demo.services import seed_demo
from marketplace.extensions import db

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture
def live_server(app):
    with app.app_context():
        seed_demo()
        db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    # Track request threads so closing the server waits for the ones Chromium left running (a lazy
    # image it stopped waiting for): their database connections must be returned before the
    # database is dropped.
    server.daemon_threads = False
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def screenshot(page):
    ARTIFACTS.mkdir(exist_ok=True)

    def take(name: str, target=None) -> None:
        """Save a full-page screenshot of `target` (default: the test's own page) for people to look at."""
        (target or page).screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)

    return take
