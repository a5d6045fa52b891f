#!/usr/bin/env bash
# Installs what OpenRSP needs to build and test on Debian 12 (bookworm).
set -euo pipefail
packages=(
    build-essential cmake ninja-build ccache pkg-config git
    libssl-dev libboost-dev libcurl4-openssl-dev nlohmann-json3-dev libsqlite3-dev
    libqrencode-dev libpng-dev libturbojpeg0-dev libzxing-dev libcli11-dev libtomlplusplus-dev
    libgtest-dev libgmock-dev libbenchmark-dev openssl
    postgresql libpq-dev
    pcscd vsmartcard-vpcd libpcsclite-dev
    clang-14 libclang-rt-14-dev
)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    sudo_cmd=""
    [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
    $sudo_cmd apt-get update
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y --no-install-recommends "${missing[@]}"
fi
