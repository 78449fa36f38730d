#!/usr/bin/env bash
# Renders deploy/supervisord.conf.in into <run_dir>/supervisord.conf.
# Usage: render_supervisord.sh <run_dir> <config.yaml> <bin_dir> [--sim "<okx_sim args>"] [--foreground]
# Used by deploy/run.sh and by the end-to-end tests (which render into a temp dir).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
run_dir="$1"; config="$2"; bin_dir="$3"; shift 3
sim_args=""; with_sim=0; nodaemon=false
while (($#)); do
  case "$1" in
    --sim) with_sim=1; sim_args="$2"; shift 2 ;;
    --foreground) nodaemon=true; shift ;;
    *) echo "render_supervisord: unknown argument $1" >&2; exit 2 ;;
  esac
done
mkdir -p "$run_dir/logs"
sim_section=""
if ((with_sim)); then
  sim_section="[program:okx_sim]
command=$bin_dir/okx_sim/okx_sim $sim_args
priority=1
autostart=true
autorestart=true
startsecs=1
stopsignal=TERM
stdout_logfile=$run_dir/logs/okx_sim.log
redirect_stderr=true
"
fi
python3 - "$here/supervisord.conf.in" "$run_dir/supervisord.conf" <<PY
import sys
src, dst = sys.argv[1], sys.argv[2]
text = open(src).read()
for key, value in {
    "@RUN_DIR@": """$run_dir""", "@BIN_DIR@": """$bin_dir""", "@CONFIG@": """$config""",
    "@NODAEMON@": """$nodaemon""", "@SIM_SECTION@": """$sim_section""",
}.items():
    text = text.replace(key, value)
open(dst, "w").write(text)
PY
