// scalpelctl's commands, one function each; every one prints text, or one JSON object with
// --json, and returns the process exit code (context.hpp). status/trades/profit only read;
// halt/resume write the segment's halt flag; exit/flatten post a command the guard executes
// (shm control block) and then confirm the result on the exchange over REST.
#pragma once

#include "scalpelctl/context.hpp"

#include <chrono>
#include <string>

namespace scalpel::ctl {

int run_status(ctl_context& c);
int run_halt(ctl_context& c, bool halt);
// target: a symbol ("BTC-USDT") or a slot index ("3").
int run_exit(ctl_context& c, const std::string& target, std::chrono::seconds timeout);
int run_flatten(ctl_context& c, std::chrono::seconds timeout);
// since: epoch ms, an ISO date (2026-11-29), or an age ("24h", "7d", "90m"); empty = today UTC.
int run_trades(ctl_context& c, const std::string& since);
enum class profit_period { day, week, month };
int run_profit(ctl_context& c, profit_period p);

} // namespace scalpel::ctl
