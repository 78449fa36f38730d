// chaos_run: the chaos suite from the command line (deploy/chaos.sh runs it). Prints progress
// and the summary table; exit 0 when every audit count is zero, 1 when not, 2 on bad arguments.
//   chaos_run --kills 1000 --seed 7 [--max-minutes M] [--settle-s S] [--keep DIR]
//             [--no-targeted] [--no-late] [--no-rest-faults] [--no-ws-faults] [--no-standby]
//             [--standbys N]
//   chaos_run --reaudit DIR      (audit again what a --keep DIR run kept)
#include "tests/chaos/chaos_run.hpp"

#include <atomic>
#include <csignal>
#include <cstring>
#include <exception>
#include <iostream>
#include <string>

namespace {
std::atomic<bool> interrupted{false};
extern "C" void on_interrupt(int) {
    interrupted = true;
}
} // namespace

int main(int argc, char** argv) {
    scalpel::chaos::chaos_options o;
    o.progress = &std::cout;
    o.stop = &interrupted;
    // Ctrl-C ends the chaos early but still settles, audits and shuts the bot down.
    std::signal(SIGINT, on_interrupt);
    std::signal(SIGTERM, on_interrupt);
    std::string reaudit_dir;
    o.max_chaos = std::chrono::seconds(0);
    try {
        for (int i = 1; i < argc; ++i) {
            const std::string a = argv[i];
            auto value = [&]() -> std::string {
                if (i + 1 >= argc)
                    throw std::invalid_argument(a + " needs a value");
                return argv[++i];
            };
            if (a == "--kills")
                o.kills = std::stoi(value());
            else if (a == "--seed")
                o.seed = std::stoull(value());
            else if (a == "--max-minutes")
                o.max_chaos = std::chrono::seconds(std::stoi(value()) * 60);
            else if (a == "--settle-s")
                o.settle = std::chrono::seconds(std::stoi(value()));
            else if (a == "--reaudit")
                reaudit_dir = value();
            else if (a == "--keep")
                o.keep_dir = value();
            else if (a == "--no-targeted")
                o.targeted_kills = false;
            else if (a == "--no-late")
                o.late_requests = false;
            else if (a == "--no-rest-faults")
                o.rest_faults = false;
            else if (a == "--no-ws-faults")
                o.ws_faults = false;
            else if (a == "--no-standby")
                o.guard_standbys = 0;
            else if (a == "--standbys")
                o.guard_standbys = std::stoi(value());
            else
                throw std::invalid_argument("unknown argument " + a);
        }
        if (o.kills <= 0)
            throw std::invalid_argument("--kills must be > 0");
        if (o.guard_standbys < 0 || o.guard_standbys > 8)
            throw std::invalid_argument("--standbys must be 0..8");
    } catch (const std::exception& e) {
        std::cerr << "chaos_run: " << e.what() << "\n";
        return 2;
    }
    if (!reaudit_dir.empty()) {
        try {
            const auto r = scalpel::chaos::reaudit(reaudit_dir);
            scalpel::chaos::print_summary(std::cout, r, 1000);
            return r.audit.failures() == 0 ? 0 : 1;
        } catch (const std::exception& e) {
            std::cerr << "chaos_run: " << e.what() << "\n";
            return 2;
        }
    }
    if (o.max_chaos.count() == 0) // default: generous, ~3 s per kill
        o.max_chaos = std::chrono::seconds(60 + 3 * o.kills);
    try {
        const auto r = scalpel::chaos::run_chaos(o);
        scalpel::chaos::print_summary(std::cout, r);
        return r.audit.failures() == 0 ? 0 : 1;
    } catch (const std::exception& e) {
        std::cerr << "chaos_run: " << e.what() << "\n";
        return 3;
    }
}
