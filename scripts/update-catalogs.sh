#!/usr/bin/env bash
# Re-extract the translatable messages of the reports and case-study packs into
# mda/reports/locale/mda.pot and merge them into the Japanese and French catalogues
# (mda/reports/locale/<lang>/LC_MESSAGES/mda.po). New messages arrive untranslated: translate
# them, then run the tests (tests/reports/test_i18n.py fails while any message is missing or
# untranslated). The .po files are compiled in memory when used; no .mo file is built.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bootstrap.sh
locale=mda/reports/locale
uv run pybabel extract -F "$locale/babel.cfg" -k say --no-location --sort-output --width 100 \
    --omit-header -o "$locale/mda.pot" .
for lang in ja fr; do
  uv run pybabel update -i "$locale/mda.pot" -d "$locale" -D mda -l "$lang" \
      --no-fuzzy-matching --ignore-obsolete --width 100
done
echo "catalogues updated under $locale"
