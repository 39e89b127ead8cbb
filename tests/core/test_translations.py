"""Every user-facing string extracted from the code has a French and an Arabic translation."""

from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]


def load(relative: str):
    with (ROOT / relative).open("rb") as handle:
        return read_po(handle)


@pytest.mark.parametrize("language", ["fr", "ar"])
def test_catalogue_translates_every_message(language):
    template = load("translations/messages.pot")
    catalogue = load(f"translations/{language}/LC_MESSAGES/messages.po")
    untranslated = [m.id for m in template if m.id and not (catalogue.get(m.id) and catalogue.get(m.id).string)]
    assert untranslated == []


@pytest.mark.parametrize("language", ["fr", "ar"])
def test_placeholders_survive_translation(language):
    import re

    catalogue = load(f"translations/{language}/LC_MESSAGES/messages.po")
    for message in catalogue:
        if message.id and message.string:
            assert sorted(re.findall(r"%\(\w+\)\w", message.id)) == sorted(
                re.findall(r"%\(\w+\)\w", message.string)), message.id
