#!/usr/bin/env bash
# Make sure a Japanese (CJK) font is installed, so Japanese reports and case-study PDFs embed
# real glyphs instead of empty boxes ("tofu").
#
# Idempotent: does nothing when fontconfig already knows a font covering Japanese. Otherwise
# installs the Debian package fonts-ipafont-gothic (about 4 MB), or fonts-noto-cjk when that
# one is unavailable, with apt-get, using sudo only when not running as root.
set -euo pipefail

has_japanese_font() {
    command -v fc-list >/dev/null && [[ -n "$(fc-list :lang=ja family 2>/dev/null)" ]]
}

if has_japanese_font; then
    echo "ensure-fonts: a Japanese font is installed ($(fc-list :lang=ja family | head -1))"
    exit 0
fi

SUDO=""
if [[ "$(id -u)" -ne 0 ]]; then
    command -v sudo >/dev/null || { echo "ensure-fonts: need root or sudo to install a CJK font" >&2; exit 1; }
    SUDO="sudo"
fi

export DEBIAN_FRONTEND=noninteractive
installed=""
for package in fonts-ipafont-gothic fonts-noto-cjk; do
    if ! apt-cache show "$package" >/dev/null 2>&1; then
        echo "ensure-fonts: $package unknown to apt, running apt-get update"
        $SUDO apt-get update -q
    fi
    if apt-cache show "$package" >/dev/null 2>&1; then
        echo "ensure-fonts: installing $package"
        $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$package"
        installed="$package"
        break
    fi
done

[[ -n "$installed" ]] || { echo "ensure-fonts: no CJK font package available from apt" >&2; exit 1; }
command -v fc-cache >/dev/null && fc-cache -f >/dev/null 2>&1 || true
if ! has_japanese_font; then
    echo "ensure-fonts: $installed installed but fontconfig lists no Japanese font" >&2
    exit 1
fi
echo "ensure-fonts: $installed installed ($(fc-list :lang=ja family | head -1))"
