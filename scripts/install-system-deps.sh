#!/usr/bin/env bash
# Debian packages that Qt (offscreen for tests, xcb for a real desktop), the tests and the PDF
# checks need (poppler-utils: pdffonts, pdftoppm; qpdf: qpdf --check; postgresql: the sync tests
# start a throw-away cluster of their own, the packaged one is not used). The PDF fonts themselves
# ship in resources/fonts, so no font package is needed at run time.
# A no-op when everything is present; needs root (or sudo) only when something is missing.
set -euo pipefail
pkgs=(libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libdbus-1-3 fonts-dejavu-core
      libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0
      libxcb-shape0 libxcb-randr0 libxcb-xkb1 libxcb-xinerama0 poppler-utils qpdf
      postgresql)
command -v dpkg-query >/dev/null 2>&1 || { echo "not a Debian system: install Qt's runtime libraries yourself" >&2; exit 0; }
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing system packages: ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
