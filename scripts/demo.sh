#!/usr/bin/env bash
# Sets up, builds and runs `openrsp demo`: the whole activation on loopback with an embedded SQLite inventory.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DOPENRSP_BUILD_TESTS=OFF -DOPENRSP_BUILD_BENCH=OFF
cmake --build build --target openrsp
exec build/apps/openrsp/openrsp demo "$@"
