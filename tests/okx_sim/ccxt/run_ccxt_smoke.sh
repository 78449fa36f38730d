#!/usr/bin/env bash
# ccxt smoke test against okx_sim: installs the pinned ccxt (package-lock.json) into the build dir
# with `npm ci`, starts the simulator on a free port and runs smoke.mjs. Exit 77 (ctest skip)
# when node/npm is missing or the install fails (e.g. offline without a cache).
set -u
sim_bin=$1 src=$2 work=$3
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "SKIP: node/npm not available"; exit 77
fi
mkdir -p "$work"
cp "$src/package.json" "$src/package-lock.json" "$src/smoke.mjs" "$work/"
cd "$work" || exit 1
if [ ! -d node_modules/ccxt ] || ! cmp -s package-lock.json node_modules/.package-lock-src.json; then
  if ! npm ci --no-audit --no-fund --ignore-scripts >npm.log 2>&1; then
    echo "SKIP: npm ci failed (offline?):"; tail -5 npm.log; exit 77
  fi
  cp package-lock.json node_modules/.package-lock-src.json
fi
log="$work/okx_sim.log"
"$sim_bin" --port 0 --api-key ccxt-key --secret ccxt-secret --passphrase ccxt-pass --log-level warn >"$log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null' EXIT
port=""
for _ in $(seq 1 200); do
  port=$(grep -o 'okx_sim listening on 127.0.0.1:[0-9]*' "$log" | head -1 | sed 's/.*://')
  [ -n "$port" ] && break
  sleep 0.05
done
[ -n "$port" ] || { echo "okx_sim did not start"; cat "$log"; exit 1; }
SIM_PORT=$port timeout 120 node smoke.mjs
