#!/usr/bin/env bash
# Sets up (packages + build) and runs every test. This is the README's test command and what
# .ci/run calls. Extra arguments go to ctest (e.g. -L unit, -R shm).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="${SCALPEL_BUILD_DIR:-$here/build}"
"$here/deploy/setup.sh" "$build_dir"
cd "$build_dir"
ctest --output-on-failure -j "${SCALPEL_JOBS:-2}" --timeout 600 "$@"
