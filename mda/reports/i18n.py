"""Languages of the reports and case-study packs: gettext catalogues managed with Babel.

The catalogues are ``mda/reports/locale/<lang>/LC_MESSAGES/mda.po`` (English is the source
language and needs none). They are compiled in memory when first used
(``babel.messages.mofile.write_mo``), so no ``.mo`` file is committed or built.
``scripts/update-catalogs.sh`` re-extracts the messages; a test checks that every message of
the code and templates is in each catalogue and translated.

Strings are marked with ``_()`` (templates, and Python code that has a translator at hand)
or ``N_()`` (Python constants translated later); both are what Babel extracts.
"""

from __future__ import annotations

import gettext as _gettext
import io
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

from babel.dates import format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent

from mda.errors import ConfigError

log = logging.getLogger(__name__)

LANGUAGES = ("en", "ja", "fr")
DOMAIN = "mda"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
# Fonts named first in CSS and matplotlib; fontconfig falls back to others for missing glyphs.
CJK_FAMILIES = ("IPAPGothic", "IPAGothic", "Noto Sans CJK JP", "IPAexGothic")
CSS_FONTS = {
    "en": '"DejaVu Sans", "Source Sans 3", "Segoe UI", "Helvetica Neue", Arial, sans-serif',
    "fr": '"DejaVu Sans", "Source Sans 3", "Segoe UI", "Helvetica Neue", Arial, sans-serif',
    # CJK first, so Latin letters in Japanese text come from the same font (same weight).
    "ja": '"Noto Sans CJK JP", "IPAPGothic", "IPAGothic", "Yu Gothic", "Hiragino Sans", '
    '"DejaVu Sans", sans-serif',
}


def N_(message: str) -> str:
    """Mark a constant for extraction; translate it later with ``Translator.gettext``."""
    return message


@dataclass(frozen=True)
class Translator:
    """One language: gettext functions plus number and date formatting (Babel locale data)."""

    code: str
    translations: _gettext.NullTranslations

    def gettext(self, message: str) -> str:
        """The message in this language (English when the catalogue lacks it)."""
        return self.translations.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        """Singular or plural form for ``n``."""
        return self.translations.ngettext(singular, plural, n)

    def number(self, value: float | int | None, digits: int = 1) -> str:
        """``value`` with at most ``digits`` decimals in this language (1,234.5 / 1 234,5)."""
        if value is None:
            return "\u2013"
        pattern = "#,##0" + ("." + "#" * digits if digits > 0 else "")
        return format_decimal(value, format=pattern, locale=self.code)

    def fixed(self, value: float | None, digits: int = 2) -> str:
        """``value`` with exactly ``digits`` decimals (0.80 / 0,80)."""
        if value is None:
            return "\u2013"
        pattern = "0" + ("." + "0" * digits if digits > 0 else "")
        return format_decimal(value, format=pattern, locale=self.code)

    def percent(self, share: float | None) -> str:
        """A share in [0, 1] as a whole percentage (57 %, 57%)."""
        if share is None:
            return "\u2013"
        return format_percent(share, format="#,##0%", locale=self.code)

    def duration(self, hours: float | None) -> str:
        """``2 h 05 min`` (``2時間05分``), or ``45 min``; the en dash when missing."""
        if hours is None or hours != hours or hours in (float("inf"), float("-inf")):
            return "\u2013"
        minutes = round(hours * 60)
        if minutes < 60:
            return self.gettext("%(minutes)d min") % {"minutes": minutes}
        return self.gettext("%(hours)d h %(minutes)02d min") % {
            "hours": minutes // 60,
            "minutes": minutes % 60,
        }

    def date(self, day: date) -> str:
        """A long date: 5 March 2024, 2024年3月5日, 5 mars 2024."""
        return format_date(day, format="long", locale=self.code)

    @property
    def css_fonts(self) -> str:
        """The CSS font-family list for this language."""
        return CSS_FONTS[self.code]


def check_language(code: str) -> str:
    """``code`` when it is a supported language, else ConfigError naming the choices."""
    if code not in LANGUAGES:
        raise ConfigError(f"language {code!r} is not available; choose one of {list(LANGUAGES)}")
    return code


@cache
def translator(code: str) -> Translator:
    """The Translator of a supported language (catalogue compiled on first use)."""
    check_language(code)
    if code == "en":
        return Translator(code, _gettext.NullTranslations())
    return Translator(code, _compile(LOCALE_DIR / code / "LC_MESSAGES" / f"{DOMAIN}.po", code))


def _compile(po_path: Path, code: str) -> _gettext.GNUTranslations:
    """Read a .po catalogue and compile it to gettext translations in memory (fuzzy skipped)."""
    try:
        with po_path.open("rb") as f:
            catalog = read_po(f, locale=code, domain=DOMAIN)
    except FileNotFoundError as e:
        raise ConfigError(f"translation catalogue {po_path} is missing") from e
    buf = io.BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    buf.seek(0)
    log.debug("compiled %s: %d messages", po_path, len(catalog))
    return _gettext.GNUTranslations(buf)


Gettext = Callable[[str], str]


def identity(message: str) -> str:
    """The untranslated message (the English source)."""
    return message
