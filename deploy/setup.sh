#!/usr/bin/env bash
# Installs every Debian 12 package scalpel needs, then configures and builds.
# Idempotent: when every package is present it skips apt entirely and only
# runs the (incremental) build. Usage: deploy/setup.sh [build-dir] [cmake args...]
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="${1:-$here/build}"
shift || true

packages=(
  g++ cmake ninja-build pkg-config git
  libboost-dev libssl-dev libsimdjson-dev libspdlog-dev libfmt-dev
  libyaml-cpp-dev libcli11-dev zlib1g-dev libsqlite3-dev
  catch2 libbenchmark-dev
  supervisor python3 procps clang-format ccache
  prometheus  # promtool: the exporter test checks /metrics with it
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  if [[ $(id -u) -ne 0 ]]; then SUDO=sudo; else SUDO=; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

jobs="${SCALPEL_JOBS:-2}"
# ccache (a Debian package) makes a rebuild of unchanged sources, e.g. a fresh clone's, nearly free.
launcher=()
if command -v ccache >/dev/null; then
  export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$(dirname "$here")}"
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
if [[ ! -f "$build_dir/build.ninja" ]]; then
  cmake -S "$here" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release "${launcher[@]}" "$@" >/dev/null
elif (($#)); then
  cmake "$build_dir" "$@" >/dev/null
fi
cmake --build "$build_dir" -j "$jobs"
