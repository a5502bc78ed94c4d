"""Translation catalogues: every message of the code and templates is in the Japanese and
French catalogues, translated, with the same placeholders; languages are one list."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po

from mda import regions
from mda.reports.i18n import LANGUAGES, LOCALE_DIR, translator

REPO = Path(__file__).resolve().parents[2]
METHODS = [
    ("mda/reports/**.py", "python"),
    ("mda/reports/templates/**.j2", "jinja2"),
]
OPTIONS = {"mda/reports/templates/**.j2": {"extensions": "jinja2.ext.i18n"}}


@pytest.fixture(scope="module")
def code_messages() -> set[str]:
    """Messages extracted from the code exactly as scripts/update-catalogs.sh does."""
    keywords = {**DEFAULT_KEYWORDS, "say": None}
    found = extract_from_dir(str(REPO), method_map=METHODS, options_map=OPTIONS, keywords=keywords)
    return {message for _file, _line, message, _comments, _context in found if message}


def _catalog(lang: str):
    with (LOCALE_DIR / lang / "LC_MESSAGES" / "mda.po").open("rb") as f:
        return read_po(f, locale=lang)


def test_the_extraction_sees_the_pack_texts(code_messages):
    assert len(code_messages) > 300
    assert "What the data shows" in code_messages  # a template
    assert "Hot pursuit (art. 111)" in " ".join(code_messages)  # an N_ constant
    assert "It took place outside every zone on the map." in code_messages  # _()
    assert "The position was %(distance)s from the nearest shore." in code_messages  # say()


@pytest.mark.parametrize("lang", [code for code in LANGUAGES if code != "en"])
def test_catalogue_has_every_message_translated(lang, code_messages):
    catalog = _catalog(lang)
    ids = {m.id for m in catalog if m.id}
    missing = sorted(code_messages - ids)
    assert not missing, f"run scripts/update-catalogs.sh and translate: {missing[:5]}"
    untranslated = sorted(m.id for m in catalog if m.id and (not m.string or m.fuzzy))
    assert not untranslated, untranslated[:5]
    stale = sorted(ids - code_messages)
    assert not stale, f"messages no longer in the code: {stale[:5]}"
    problems = [(m.id[:50], [str(e) for e in errors]) for m, errors in catalog.check()]
    assert problems == []  # python-format placeholders match the source


def test_catalogues_compile_and_translate():
    assert translator("ja").gettext("Discussion questions") == "討議課題"
    assert translator("fr").gettext("Discussion questions") == "Questions de discussion"
    assert translator("en").gettext("Discussion questions") == "Discussion questions"
    assert translator("fr").number(1234.5) == "1\u202f234,5"
    assert translator("ja").duration(2.5) == "2時間30分"


def test_region_languages_are_the_catalogue_languages():
    assert regions.LANGUAGES == LANGUAGES
