#!/usr/bin/env bash
# Sets up, builds and runs the whole test suite: once optimized, once under ASan/UBSan, then the fuzz targets.
# OPENRSP_TEST_SANITIZE=0 skips the sanitizer pass (local quick runs); CI runs both.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
jobs=$(nproc)

# A throwaway PostgreSQL server for the store tests, so both inventory backends are tested. It lives in a
# temporary folder on a free localhost port with trust auth, whatever else runs on the machine (Debian's
# default cluster on 5432 is neither used nor disturbed), and is removed on exit.
pg_dir=""
stop_postgres() {
    [ -n "$pg_dir" ] || return 0
    if [ -f "$pg_dir/data/postmaster.pid" ]; then
        "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$pg_dir/data" -m immediate stop >/dev/null 2>&1 || true
    fi
    rm -rf "$pg_dir"
}
start_postgres() {
    pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    [ -x "$pg_bin/initdb" ] || { echo "PostgreSQL server binaries not found under /usr/lib/postgresql" >&2; exit 1; }
    pg_dir=$(mktemp -d /tmp/openrsp-pg.XXXXXX)
    trap stop_postgres EXIT
    trap 'exit 130' INT TERM # so that EXIT runs stop_postgres on Ctrl-C or a CI timeout too
    as_pg=()
    if [ "$(id -u)" -eq 0 ]; then
        # initdb and postgres refuse to run as root: the server runs as the postgres user the package created.
        chown postgres: "$pg_dir"
        as_pg=(runuser -u postgres --)
    fi
    "${as_pg[@]}" "$pg_bin/initdb" -D "$pg_dir/data" -U openrsp --auth=trust -E UTF8 --no-locale \
        >"$pg_dir/initdb.log" 2>&1 || { cat "$pg_dir/initdb.log" >&2; exit 1; }
    local port
    for _ in 1 2 3 4 5 6 7 8 9 10; do
        port=$((20000 + RANDOM % 30000))
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && continue # taken
        # fsync off: the data is thrown away, and the tests create a database each.
        if "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/server.log" -w -t 60 \
            -o "-k $pg_dir -p $port -h 127.0.0.1 -c max_connections=300 -c fsync=off" start >/dev/null; then
            export OPENRSP_TEST_POSTGRES_URL="postgresql://openrsp@127.0.0.1:$port/postgres"
            export OPENRSP_REQUIRE_POSTGRES=1
            echo "PostgreSQL for the tests: $OPENRSP_TEST_POSTGRES_URL"
            return 0
        fi
    done
    cat "$pg_dir/server.log" >&2
    echo "cannot start the test PostgreSQL server" >&2
    exit 1
}

# pcscd with the vsmartcard vpcd driver, for the LPA-over-PC/SC loop test (tests/integration/pcsc_loop_test.cpp).
# The daemon is left running: it is the system's own, and any later run or PC/SC tool can use it.
start_pcscd() {
    [ -f /etc/reader.conf.d/vpcd ] || { echo "/etc/reader.conf.d/vpcd missing: is vsmartcard-vpcd installed?" >&2; exit 1; }
    if ! pidof pcscd >/dev/null; then
        if [ "$(id -u)" -eq 0 ]; then pcscd; else sudo pcscd; fi
    fi
    # The vpcd driver listens once pcscd has loaded it (a daemon started before the package was installed has not).
    for _ in $(seq 50); do
        (exec 3<>/dev/tcp/127.0.0.1/35963) 2>/dev/null && break
        sleep 0.1
    done
    (exec 3<>/dev/tcp/127.0.0.1/35963) 2>/dev/null ||
        { echo "pcscd is running but its vpcd driver does not listen on 35963; restart pcscd" >&2; exit 1; }
    export OPENRSP_TEST_PCSC=1 OPENRSP_REQUIRE_PCSC=1
    echo "pcscd with the vpcd reader is up for the PC/SC loop test"
}

cmake -S . -B build-test -G Ninja -DCMAKE_BUILD_TYPE=Release -DOPENRSP_WERROR=ON
cmake --build build-test -j "$jobs"
start_postgres
start_pcscd
(cd build-test && ctest --output-on-failure -j "$jobs" --timeout 300)

if [ "${OPENRSP_TEST_SANITIZE:-1}" != "0" ]; then
    cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DOPENRSP_SANITIZE=ON -DOPENRSP_WERROR=ON \
        -DOPENRSP_BUILD_BENCH=OFF
    cmake --build build-asan -j "$jobs"
    (cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        ctest --output-on-failure -j "$jobs" --timeout 600)
fi

# libFuzzer targets (tests/fuzz): a clang configuration that builds only the fuzz executables and runs each for a
# bounded time (OPENRSP_FUZZ_TIME seconds, ctest label "fuzz"). OPENRSP_TEST_FUZZ=0 skips it.
if [ "${OPENRSP_TEST_FUZZ:-1}" != "0" ]; then
    cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang-14 \
        -DCMAKE_CXX_COMPILER=clang++-14 -DOPENRSP_BUILD_FUZZ=ON -DOPENRSP_BUILD_BENCH=OFF -DOPENRSP_WERROR=ON
    cmake --build build-fuzz -j "$jobs" --target euicc_apdu_fuzz smdpp_http_fuzz
    (cd build-fuzz && ctest -L fuzz --output-on-failure)
fi
