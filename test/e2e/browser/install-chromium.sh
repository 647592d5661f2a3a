#!/usr/bin/env bash
# Installs what the browser end-to-end test (test/e2e/browser/editor.spec.ts) needs:
# Debian's chromium at /usr/bin/chromium, plus Noto CJK (fonts-noto-cjk): full coverage of
# Chinese and Japanese, including marks such as the wave dash U+301C of "1〜10 秒" that
# smaller CJK fonts lack, so the browser tests see the glyphs users see, not empty boxes.
# Idempotent: does nothing when both are already there. Needs root (or sudo) and apt.
set -euo pipefail

CHROMIUM=/usr/bin/chromium
FONT_PKG=fonts-noto-cjk

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo -n)
  else
    echo "install-chromium.sh: not root and no sudo: cannot install packages" >&2
    exit 1
  fi
fi

missing=()
if [ -x "$CHROMIUM" ]; then
  echo "install-chromium.sh: $CHROMIUM already installed ($("$CHROMIUM" --version 2>/dev/null | head -n1 || echo 'version unknown'))"
else
  missing+=(chromium)
fi
# Coverage, not just "some CJK font": the font must have U+301C (the wave dash).
if command -v fc-list >/dev/null 2>&1 && [ -n "$(fc-list ':lang=ja:charset=301c' 2>/dev/null | head -n1)" ]; then
  echo "install-chromium.sh: a CJK font with full coverage is already installed"
elif dpkg -s "$FONT_PKG" >/dev/null 2>&1; then
  echo "install-chromium.sh: $FONT_PKG already installed"
else
  missing+=("$FONT_PKG")
fi

if [ "${#missing[@]}" -eq 0 ]; then
  echo "install-chromium.sh: nothing to do"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-chromium.sh: apt-get not found; install ${missing[*]} by hand" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
echo "install-chromium.sh: apt-get update"
"${SUDO[@]}" apt-get update -qq
echo "install-chromium.sh: apt-get install ${missing[*]}"
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

if [ ! -x "$CHROMIUM" ]; then
  echo "install-chromium.sh: apt-get finished but $CHROMIUM is still missing" >&2
  exit 1
fi
echo "install-chromium.sh: installed ${missing[*]}; $("$CHROMIUM" --version 2>/dev/null | head -n1 || true)"
