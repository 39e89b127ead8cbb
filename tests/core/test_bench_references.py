"""The catalogue benchmark's two references must serve their page, or the ratios it prints mean nothing (the static
render once failed on every request after the catalogue gained the public totals, and the run stopped on a
division by zero)."""

from __future__ import annotations


def test_the_static_render_serves_the_catalogue_without_a_database():
    from bench.static_app import CARDS, app

    response = app.test_client().get("/bench/catalogue")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert CARDS[0][0].title in page and CARDS[-1][0].title in page
    assert 'data-public="funded">120<' in page  # the public totals, from memory


def test_the_hello_world_ceiling_answers():
    from bench.hello_app import app

    assert app.test_client().get("/").get_data(as_text=True) == "Hello, World!"
