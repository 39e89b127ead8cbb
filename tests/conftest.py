"""Fixtures: a fresh database per test (SQLite file copy or PostgreSQL template), app, client, helpers.

The schema is built once per session by running the Alembic migrations, so every test also proves
the migrations; each test then starts from a copy of that database. With TEST_DATABASE_URL set to a
PostgreSQL server, the suite creates uniquely named databases there and drops only those.
"""

from __future__ import annotations

import os
import re
import shutil
import uuid

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from config import normalise_database_url
from marketplace import create_app
from marketplace.extensions import db
from marketplace.reference.services import load_reference_data

CHROMIUM_ARGS = [
    "--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]


def _build_schema(url: str) -> None:
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        upgrade()
        load_reference_data()
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


class PostgresDatabases:
    def __init__(self, server_url: str):
        self.server_url = make_url(normalise_database_url(server_url))
        self.admin = create_engine(self.server_url, isolation_level="AUTOCOMMIT")
        self.prefix = f"passerelle_test_{uuid.uuid4().hex[:10]}"
        self.template = f"{self.prefix}_template"
        self.created: list[str] = []

    def url_for(self, name: str) -> str:
        return self.server_url.set(database=name).render_as_string(hide_password=False)

    def create(self, name: str, template: str | None = None) -> str:
        with self.admin.connect() as connection:
            suffix = f' TEMPLATE "{template}"' if template else ""
            connection.execute(text(f'CREATE DATABASE "{name}"{suffix}'))
        self.created.append(name)
        return self.url_for(name)

    def drop(self, name: str) -> None:
        with self.admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        if name in self.created:
            self.created.remove(name)

    def close(self) -> None:
        for name in list(self.created):
            self.drop(name)
        self.admin.dispose()


@pytest.fixture(scope="session")
def database_source(tmp_path_factory):
    """Migrate an empty database once; tests get copies of it."""
    server = os.environ.get("TEST_DATABASE_URL")
    if server:
        databases = PostgresDatabases(server)
        _build_schema(databases.create(databases.template))
        yield ("postgresql", databases)
        databases.close()
    else:
        template = tmp_path_factory.mktemp("template") / "template.db"
        _build_schema(f"sqlite:///{template}")
        yield ("sqlite", template)


@pytest.fixture
def database_url(database_source, tmp_path):
    kind, source = database_source
    if kind == "sqlite":
        target = tmp_path / "test.db"
        shutil.copyfile(source, target)
        yield f"sqlite:///{target}"
    else:
        name = f"{source.prefix}_{uuid.uuid4().hex[:8]}"
        yield source.create(name, template=source.template)
        source.drop(name)


@pytest.fixture
def app_overrides():
    """Tests override configuration by redefining this fixture or parametrising it."""
    return {}


@pytest.fixture
def app(database_url, app_overrides, tmp_path):
    settings = {"UPLOAD_FOLDER": str(tmp_path / "uploads"), **app_overrides}
    application = create_app("testing", SQLALCHEMY_DATABASE_URI=database_url, **settings)
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


CSRF_PATTERN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def csrf_from(html: str) -> str:
    match = CSRF_PATTERN.search(html)
    assert match, "no CSRF token in the page"
    return match.group(1) or match.group(2)


class Browserless:
    """Helpers that act like a person in a browser: fetch the form, then post it with its token."""

    def __init__(self, client):
        self.client = client

    def token(self, url: str = "/account/login") -> str:
        return csrf_from(self.client.get(url).get_data(as_text=True))

    def post_form(self, url: str, data: dict, *, form_url: str | None = None, **kwargs):
        return self.client.post(url, data={"csrf_token": self.token(form_url or url), **data}, **kwargs)

    def login(self, email: str, password: str, **extra):
        return self.post_form("/account/login", {"email": email, "password": password, **extra})

    def logout(self):
        return self.post_form("/account/logout", {}, form_url="/")


@pytest.fixture
def browserless(client):
    return Browserless(client)


@pytest.fixture
def make(app):
    from tests.factories import Factories

    return Factories(app)


# Browser tests: Debian's Chromium, never a downloaded browser.
@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    executable = shutil.which("chromium") or "/usr/bin/chromium"
    return {**browser_type_launch_args, "executable_path": executable, "args": CHROMIUM_ARGS}


@pytest.fixture
def count_queries(app):
    """`with count_queries() as statements:` collects the SQL statements the app sends meanwhile."""
    from contextlib import contextmanager

    from sqlalchemy import event

    @contextmanager
    def counter():
        statements: list[str] = []

        def before_cursor_execute(conn, cursor, statement, *args):
            statements.append(statement)

        with app.app_context():
            engine = db.engine
        event.listen(engine, "before_cursor_execute", before_cursor_execute)
        try:
            yield statements
        finally:
            event.remove(engine, "before_cursor_execute", before_cursor_execute)

    return counter
