#!/usr/bin/env bash
# Renders deploy/supervisord.conf.in into <run_dir>/supervisord.conf.
# Usage: render_supervisord.sh <run_dir> <config.yaml> <bin_dir> [--sim "<okx_sim args>"]
#          [--run-id ID] [--exporter PORT] [--notifier] [--guard-standby [N]] [--foreground]
# With --sim the simulator gets --run-id ID (generated when not given) and the bot processes get
# SCALPEL_SIM_RUN_ID=ID, so they refuse any simulator but this one. The run id is written to
# <run_dir>/sim_run_id. --exporter adds scalpel_exporter (read-only Prometheus metrics on
# 127.0.0.1:PORT); --notifier adds scalpel_notifier (alerts; its token/URL stay in the environment
# supervisord inherits, never in the rendered file). --guard-standby N adds N hot standby guards
# (guard_standby, guard_standby_2, ...; N defaults to 1): guard_proc processes that wait while
# another holds the guard role and take over within milliseconds when it dies (all run with
# --standby, so whichever restarts becomes a standby). supervisord restarts a killed program only
# on its next 1 s poll, so with N standbys N+1 kills inside that second are needed to leave no
# guard. Used by deploy/run.sh and by the end-to-end tests (temp dirs).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
run_dir="$1"; config="$2"; bin_dir="$3"; shift 3
sim_args=""; with_sim=0; with_standby=0; nodaemon=false; run_id=""; exporter_port=""; with_notifier=0
# A process must live this long to count as started (see supervisord.conf.in); config exits are
# held one second longer so they are final.
startsecs="${SCALPEL_STARTSECS:-3}"
startretries="${SCALPEL_STARTRETRIES:-5}"
while (($#)); do
  case "$1" in
    --sim) with_sim=1; sim_args="$2"; shift 2 ;;
    --run-id) run_id="$2"; shift 2 ;;
    --exporter) exporter_port="$2"; shift 2 ;;
    --notifier) with_notifier=1; shift ;;
    --guard-standby)
      with_standby=1; shift
      if (($#)) && [[ "$1" =~ ^[0-9]+$ ]]; then with_standby="$1"; shift; fi ;;
    --foreground) nodaemon=true; shift ;;
    *) echo "render_supervisord: unknown argument $1" >&2; exit 2 ;;
  esac
done
mkdir -p "$run_dir/logs"
hold_s=$((startsecs + 1))
# One optional [program:NAME] section under the restart policy supervisord.conf.in explains.
# program_section NAME PRIORITY EXITCODES ENVIRONMENT COMMAND
program_section() {
  local name="$1" priority="$2" exitcodes="$3" environment="$4" command="$5"
  cat <<SECTION

[program:$name]
command=$command
priority=$priority
autostart=true
autorestart=unexpected
exitcodes=$exitcodes
startsecs=$startsecs
startretries=$startretries
stopsignal=TERM
stopwaitsecs=10
environment=$environment
stdout_logfile=$run_dir/logs/$name.log
redirect_stderr=true
SECTION
}
sim_section=""
bot_env=""
if ((with_sim)); then
  run_id="${run_id:-sim-$(date +%s)-$$-$RANDOM}"
  echo "$run_id" > "$run_dir/sim_run_id"
  bot_env=",SCALPEL_SIM_RUN_ID=\"$run_id\""
  sim_section="$(program_section okx_sim 1 0,2 "SCALPEL_FINAL_EXIT_HOLD_S=\"$hold_s\"" \
    "$bin_dir/okx_sim/okx_sim $sim_args --run-id $run_id")"
fi
guard_flags=""
standby_section=""
if ((with_standby)); then
  guard_flags=" --standby"
  # Same program as guard_proc; priority 11 so guard_proc normally starts first and is active.
  for ((i = 1; i <= with_standby; ++i)); do
    name=guard_standby; ((i == 1)) || name="guard_standby_$i"
    standby_section+="$(program_section "$name" 11 0,2,3 \
      "SCALPEL_RUN_DIR=\"$run_dir\",SCALPEL_FINAL_EXIT_HOLD_S=\"$hold_s\"$bot_env" \
      "$bin_dir/guard_proc/guard_proc --config $config --standby")"
  done
fi
exporter_section=""
if [[ -n "$exporter_port" ]]; then
  # Read-only on the segment; it waits for the bot to create it. Never in a trading path.
  exporter_section="$(program_section scalpel_exporter 30 0,2 "SCALPEL_FINAL_EXIT_HOLD_S=\"$hold_s\"" \
    "$bin_dir/exporter/scalpel_exporter --config $config --port $exporter_port")"
fi
if ((with_notifier)); then
  exporter_section+="$(program_section scalpel_notifier 40 0,2 "SCALPEL_FINAL_EXIT_HOLD_S=\"$hold_s\"" \
    "$bin_dir/notifier/scalpel_notifier --config $config")"
fi
# Values travel through the environment: no quoting of paths or arguments can break the render.
R_RUN_DIR="$run_dir" R_BIN_DIR="$bin_dir" R_CONFIG="$config" R_NODAEMON="$nodaemon" \
R_SIM_SECTION="$sim_section$exporter_section" R_STARTSECS="$startsecs" R_STARTRETRIES="$startretries" \
R_HOLD_S="$hold_s" R_BOT_ENV="$bot_env" R_GUARD_FLAGS="$guard_flags" R_GUARD_STANDBY="$standby_section" \
python3 - "$here/supervisord.conf.in" "$run_dir/supervisord.conf" <<'PY'
import os, sys
src, dst = sys.argv[1], sys.argv[2]
text = open(src).read()
for key in ("RUN_DIR", "BIN_DIR", "CONFIG", "NODAEMON", "SIM_SECTION", "STARTSECS",
            "STARTRETRIES", "HOLD_S", "BOT_ENV", "GUARD_FLAGS", "GUARD_STANDBY"):
    text = text.replace("@" + key + "@", os.environ["R_" + key])
open(dst, "w").write(text)
PY
