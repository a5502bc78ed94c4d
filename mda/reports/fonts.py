"""Fonts for maps and charts: DejaVu Sans, plus an installed CJK font for Japanese.

matplotlib builds its font list once and caches it, so a CJK font installed later
(``scripts/ensure-fonts.sh``) is unknown to it. ``matplotlib_families`` registers the
system's CJK fonts with matplotlib on first use and returns the family list to draw with.
Without any CJK font installed, Japanese labels fall back to DejaVu Sans (missing glyphs),
and a warning says how to fix it.
"""

from __future__ import annotations

import logging
import re
from functools import cache

from mda.reports.i18n import CJK_FAMILIES

log = logging.getLogger(__name__)

BASE_FAMILY = "DejaVu Sans"
_CJK_FILE = re.compile(r"(ipag|ipaexg|notosanscjk|notosansjp|notosans-cjk)", re.IGNORECASE)


def matplotlib_families(language: str) -> tuple[str, ...]:
    """The font families for a language's figures, first family first."""
    if language != "ja":
        return (BASE_FAMILY,)
    return (BASE_FAMILY, *_cjk_families())


@cache
def _cjk_families() -> tuple[str, ...]:
    """Installed CJK families known to matplotlib (registering system CJK font files)."""
    from matplotlib import font_manager

    known = {f.name for f in font_manager.fontManager.ttflist}
    if not known & set(CJK_FAMILIES):
        for path in font_manager.findSystemFonts(fontext="ttf"):
            if _CJK_FILE.search(path.replace("_", "").replace(" ", "")):
                try:
                    font_manager.fontManager.addfont(path)
                except (OSError, RuntimeError) as e:
                    log.debug("cannot register font %s: %s", path, e)
        known = {f.name for f in font_manager.fontManager.ttflist}
    found = tuple(f for f in CJK_FAMILIES if f in known)
    if not found:
        log.warning(
            "no Japanese font found: Japanese map labels will show empty boxes "
            "(run scripts/ensure-fonts.sh to install fonts-ipafont-gothic)"
        )
    return found
