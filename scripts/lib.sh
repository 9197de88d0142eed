# Shared by the scripts in this folder: installing what is missing, and fetching Debian sources.
# shellcheck shell=bash

NAMEDSHM_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export DEBIAN_FRONTEND=noninteractive

log() { printf '\n==> %s\n' "$*"; }

apt_updated=0
apt_update_once() {
  if [ "$apt_updated" = 0 ]; then
    apt-get update -qq
    apt_updated=1
  fi
}

# install_missing PACKAGE...: apt-get installs the packages that dpkg does not have. Needs
# root on Debian; elsewhere it says what is missing and fails.
install_missing() {
  local missing=()
  local package
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    echo "missing packages: ${missing[*]} (install them, or run this script as root on Debian)" >&2
    return 1
  fi
  log "installing ${missing[*]}"
  apt_update_once
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# fetch_source PACKAGE SUITE: unpacks Debian's source of PACKAGE from SUITE into
# build/deps/src/PACKAGE and prints that folder. Cached: a second call downloads nothing.
fetch_source() {
  local package=$1 suite=$2
  local into="$NAMEDSHM_ROOT/build/deps/src/$package"
  if [ ! -f "$into/.unpacked" ]; then
    local list=/etc/apt/sources.list.d/namedshm-src.sources
    if ! grep -qs "$suite" "$list"; then
      # The suites of the machine's own deb line, plus the one asked for; sources only.
      printf 'Types: deb-src\nURIs: http://deb.debian.org/debian\nSuites: bookworm trixie %s\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
        "$suite" >"$list"
      apt_updated=0
    fi
    apt_update_once
    rm -rf "$into" && mkdir -p "$into/download"
    (cd "$into/download" && apt-get source --download-only -qq "$package/$suite" >/dev/null 2>&1)
    tar -xf "$(ls "$into"/download/*.orig.tar.*)" -C "$into" --strip-components=1
    touch "$into/.unpacked"
  fi
  printf '%s\n' "$into"
}
