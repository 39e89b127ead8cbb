"""Every user-facing string extracted from the code has a French and an Arabic translation."""

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r"%\(\w+\)\w")


def load(relative: str):
    with (ROOT / relative).open("rb") as handle:
        return read_po(handle)


def forms(string) -> tuple:
    return string if isinstance(string, tuple) else (string,)


@pytest.mark.parametrize("language", ["fr", "ar"])
def test_catalogue_translates_every_message(language):
    template = load("translations/messages.pot")
    catalogue = load(f"translations/{language}/LC_MESSAGES/messages.po")
    untranslated = [
        m.id for m in template
        if m.id and not (catalogue.get(m.id) and all(forms(catalogue.get(m.id).string)))
    ]
    assert untranslated == []


@pytest.mark.parametrize("language", ["fr", "ar"])
def test_placeholders_survive_translation(language):
    catalogue = load(f"translations/{language}/LC_MESSAGES/messages.po")
    for message in catalogue:
        if not message.id or not message.string:
            continue
        if isinstance(message.id, tuple):
            # Plural forms may spell a number out ("يومان"), so they may drop %(num)d but add nothing.
            allowed = set(PLACEHOLDER.findall(message.id[1]))
            for form in message.string:
                assert set(PLACEHOLDER.findall(form)) <= allowed, message.id
        else:
            assert sorted(PLACEHOLDER.findall(message.id)) == sorted(PLACEHOLDER.findall(message.string)), message.id


def test_templates_follow_force_locale_and_reuse_the_parsed_catalogue(app):
    """The fast template gettext keeps the catalogue per locale object, so a forced locale is obeyed."""
    from flask import render_template_string
    from flask_babel import force_locale, get_translations

    with app.test_request_context(headers={"Accept-Language": "fr"}):
        app.preprocess_request()
        first = get_translations()
        assert render_template_string("{{ _('Projects') }}") == "Projets"
        with force_locale("ar"):
            assert render_template_string("{{ _('Projects') }}") == "المشاريع"
        assert render_template_string("{{ _('Projects') }}") == "Projets"
    with app.test_request_context(headers={"Accept-Language": "fr"}):
        app.preprocess_request()
        assert get_translations() is first  # parsed once for the application, not once per request


def test_memoised_numbers_follow_the_locale_and_keep_types_apart(app):
    """The template filters format numbers as Babel does in the request's locale (a forced one included), and the
    memo never hands one locale's or one type's text to another."""
    from decimal import Decimal

    from babel.numbers import format_decimal
    from flask import render_template_string
    from flask_babel import force_locale

    template = "{{ 1234567|numberformat }}|{{ value|impact_number }}|{{ 37.5|impact_percent }}"
    with app.test_request_context(headers={"Accept-Language": "fr"}):
        app.preprocess_request()
        french = render_template_string(template, value=Decimal("1234.5000"))
        assert french == f"{format_decimal(1234567, locale='fr')}|{format_decimal(Decimal('1234.5'), locale='fr')}|" \
                         "37,5%"
        with force_locale("en"):
            assert render_template_string(template, value=Decimal("1234.5")) == "1,234,567|1,234.5|37.5%"
        assert render_template_string("{{ 2|numberformat }} {{ 2.5|numberformat }}") == "2 2,5"
        assert render_template_string(template, value=Decimal("1234.5")) == french
