#!/usr/bin/env bash
# Sets up, builds and runs the whole test suite: once optimized, once under ASan/UBSan.
# OPENRSP_TEST_SANITIZE=0 skips the sanitizer pass (local quick runs); CI runs both.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
jobs=$(nproc)

cmake -S . -B build-test -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DOPENRSP_WERROR=ON
cmake --build build-test -j "$jobs"
(cd build-test && ctest --output-on-failure -j "$jobs" --timeout 300)

if [ "${OPENRSP_TEST_SANITIZE:-1}" != "0" ]; then
    cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DOPENRSP_SANITIZE=ON -DOPENRSP_WERROR=ON \
        -DOPENRSP_BUILD_BENCH=OFF
    cmake --build build-asan -j "$jobs"
    (cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        ctest --output-on-failure -j "$jobs" --timeout 600)
fi
