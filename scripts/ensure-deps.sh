#!/usr/bin/env bash
# Checks the Debian packages Jikocho builds against and installs the missing ones.
# As root it runs apt-get; otherwise it prints the exact command to run and fails.
set -euo pipefail

packages=(libpcap-dev libarchive-dev libmagic-dev libsqlite3-dev zlib1g-dev pkg-config)
# Tools the tests and benchmarks compare against (oracles), not needed to build.
if [[ "${1:-}" == "--with-oracles" ]]; then
    packages+=(coreutils libevtx-utils tshark tcpdump time)
fi
# What `scripts/report-screenshot.sh` renders reports with: headless Chromium and Japanese fonts.
if [[ "${1:-}" == "--with-browser" ]]; then
    packages+=(chromium fonts-noto-cjk fonts-dejavu-core)
fi

missing=()
for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done

[[ ${#missing[@]} -eq 0 ]] && exit 0

if [[ $(id -u) -ne 0 ]]; then
    echo "jikocho: missing Debian packages: ${missing[*]}; run: sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
    exit 1
fi

echo "jikocho: installing missing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
