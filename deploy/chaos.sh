#!/usr/bin/env bash
# The chaos suite's long run (issue 9): the whole bot under supervisord on the simulator, SIGKILLs
# of guard_proc / signal_proc at random and at the dangerous moments, price spikes, WebSocket and
# REST faults, requests processed after the client's timeout; then an audit from the simulator's
# records only. Prints progress and a summary table; exit 0 when every count is zero, 1 when not.
#   deploy/chaos.sh --kills 1000 --seed 7 [--max-minutes M] [--settle-s S] [--keep DIR]
#                   [--no-targeted] [--no-late] [--no-rest-faults] [--no-ws-faults] [--no-standby]
#                   [--standbys N]
# Builds only what it needs (okx_sim, guard_proc, signal_proc, shm_inspect, chaos_run) in
# $SCALPEL_BUILD_DIR (default build/). The bounded run is the CTest test chaos_bounded_test.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="${SCALPEL_BUILD_DIR:-$here/build}"
jobs="${SCALPEL_JOBS:-2}"

if [[ ! -f "$build_dir/build.ninja" ]]; then
  "$here/deploy/setup.sh" "$build_dir"
fi
cmake --build "$build_dir" -j "$jobs" --target chaos_run >/dev/null

exec "$build_dir/tests/chaos/chaos_run" "$@"
