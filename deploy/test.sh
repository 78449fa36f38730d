#!/usr/bin/env bash
# Sets up (packages + build) and runs every test. This is the README's test command and what
# .ci/run calls. After setup (packages + Release build) and the format check, three stages:
#   1. the shared-memory concurrency tests under ThreadSanitizer (ctest -L tsan), in their own
#      build of only the targets they need (SCALPEL_SKIP_TSAN=1 skips this stage);
#   2. the socket-free unit, shm and guard suites under ASan+UBSan, in a Debug build of only those
#      targets (SCALPEL_SKIP_ASAN=1 skips this stage);
#   3. the Release build and the whole ctest suite (unit, shm, kill, sim, e2e, ...), last, so its
#      summary is the run's closing line.
# Extra arguments go to the whole-suite ctest run (e.g. -L unit, -R shm).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="${SCALPEL_BUILD_DIR:-$here/build}"
jobs="${SCALPEL_JOBS:-2}"
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$(dirname "$here")}"   # see setup.sh

"$here/deploy/setup.sh" "$build_dir"   # packages + the Release build
"$here/deploy/check_format.sh"         # the whole tree matches .clang-format

if [[ "${SCALPEL_SKIP_TSAN:-0}" != 1 ]]; then
  tsan_dir="${build_dir}-tsan"
  echo "== ThreadSanitizer: shared-memory concurrency tests"
  if [[ ! -f "$tsan_dir/build.ninja" ]]; then
    cmake -S "$here" -B "$tsan_dir" -G Ninja -DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSCALPEL_SANITIZE=thread \
      -DSCALPEL_BUILD_BENCH=OFF -DSCALPEL_COMPONENTS="common;shm_layout" >/dev/null
  fi
  cmake --build "$tsan_dir" -j "$jobs" --target shm_tsan_tests
  (cd "$tsan_dir" && TSAN_OPTIONS="halt_on_error=1" ctest --output-on-failure -L tsan --timeout 300)
fi

# The socket-free suites under ASan+UBSan: common, the OKX wire format, strategy (money math),
# the segment (including its SIGKILL tests), reconciliation, the ledger and the guard's tick path
# and close tracker. Only these targets are built (no Boost.Beast TU), Debug for a fast compile.
# SCALPEL_SKIP_ASAN=1 skips this stage.
asan_targets=(common_tests okx_wire_tests shm_layout_tests shm_kill_tests reconcile_tests
              ledger_tests guard_tick_tests guard_close_tracker_tests
              strategy_indicators strategy_arm strategy_scoring_filters strategy_risk_sizing_exit
              strategy_engine strategy_money)
if [[ "${SCALPEL_SKIP_ASAN:-0}" != 1 ]]; then
  asan_dir="${build_dir}-asan"
  echo "== AddressSanitizer + UndefinedBehaviorSanitizer: unit, shm and guard suites"
  if [[ ! -f "$asan_dir/build.ninja" ]]; then
    cmake -S "$here" -B "$asan_dir" -G Ninja -DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_BUILD_TYPE=Debug \
      -DSCALPEL_SANITIZE=address,undefined -DSCALPEL_BUILD_BENCH=OFF \
      -DSCALPEL_COMPONENTS="common;strategy;shm_layout;ledger;reconcile;guard_proc" >/dev/null
  fi
  cmake --build "$asan_dir" -j "$jobs" --target "${asan_targets[@]}"
  regex="^($(IFS='|'; echo "${asan_targets[*]}"))\$"
  (cd "$asan_dir" && ASAN_OPTIONS="detect_leaks=1:abort_on_error=1" \
    UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1" \
    ctest --output-on-failure -j "$jobs" --timeout 600 -R "$regex")
fi

# The whole suite, the bounded chaos run (label chaos, ~2.5 min) included.
(cd "$build_dir" && ctest --output-on-failure -j "$jobs" --timeout 600 "$@")
