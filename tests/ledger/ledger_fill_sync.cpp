// ledger_fill_sync: the fill crash test's victim. It runs signal_proc's real fill path
// (signal::fill_sync: the exchange's recent fills → the ledger, one committed row per fill, plus
// an order row per order of ours) against an okx_sim on loopback, over and over, printing
// "writing <n>" before and "synced <n> fills <k>" after each pass, until SIGKILLed. With --once it
// makes one pass and exits 0: what signal_proc does after a restart.
// Usage: ledger_fill_sync <ledger file> <sim port> <instId> [--once]
#include "common/net/asio.hpp"
#include "common/net/credentials.hpp"
#include "common/net/endpoint.hpp"
#include "common/net/rest_client.hpp"
#include "ledger/ledger.hpp"
#include "signal_proc/fill_sync.hpp"

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

using namespace scalpel;

int main(int argc, char** argv) {
    if (argc < 4) {
        std::fprintf(stderr, "usage: ledger_fill_sync <file> <sim port> <instId> [--once]\n");
        return 2;
    }
    const std::string file = argv[1];
    const auto port = static_cast<std::uint16_t>(std::atoi(argv[2]));
    const std::vector<std::string> symbols{argv[3]};
    const bool once = argc > 4 && std::string(argv[4]) == "--once";
    auto opened = ledger::ledger::open(file);
    if (!opened.db) {
        std::fprintf(stderr, "%s\n", opened.error.message.c_str());
        return 1;
    }
    net::io_context ioc{1};
    auto cfg = net_client::endpoint_config::loopback(port);
    net_client::rest_client client(ioc.get_executor(), cfg,
                                   net_client::credentials{"test-key", "test-secret", "test-pass"});
    signal::fill_sync sync(client, "lk");
    int exit_code = 0;
    net::co_spawn(
        ioc,
        [&]() -> net::awaitable<void> {
            for (long pass = 1;; ++pass) {
                std::printf("writing %ld\n", pass);
                std::fflush(stdout);
                const auto r = co_await sync.run(*opened.db, symbols);
                std::printf("synced %ld fills %d%s\n", pass, r.fills, r.ok ? "" : " incomplete");
                std::fflush(stdout);
                if (once) {
                    exit_code = r.ok ? 0 : 1;
                    co_return;
                }
            }
        },
        net::detached);
    ioc.run();
    return exit_code;
}
