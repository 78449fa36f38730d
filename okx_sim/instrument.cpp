// instrument: the built-in SPOT table (values as OKX publishes them in public/instruments).
#include "okx_sim/instrument.hpp"

#include <stdexcept>

namespace scalpel::sim {
namespace {

amount a(std::string_view s) {
    return *amount::parse(s);
}

} // namespace

std::optional<instrument> builtin_instrument(std::string_view id) {
    struct row {
        std::string_view id, base, tick, lot, min;
        double px;
        std::int64_t code; // simulator-assigned instIdCode, distinct per pair
    };
    static constexpr row table[] = {
        {"BTC-USDT", "BTC", "0.1", "0.00000001", "0.00001", 42000, 100001},
        {"ETH-USDT", "ETH", "0.01", "0.000001", "0.0001", 3000, 100012},
        {"SOL-USDT", "SOL", "0.01", "0.000001", "0.001", 140, 100123},
        {"DOGE-USDT", "DOGE", "0.00001", "0.000001", "10", 0.15, 101234},
        {"XRP-USDT", "XRP", "0.0001", "0.000001", "1", 0.8, 112345},
    };
    for (const auto& r : table) {
        if (r.id != id)
            continue;
        instrument i;
        i.inst_id = std::string(r.id);
        i.base = std::string(r.base);
        i.quote = "USDT";
        i.tick_sz = a(r.tick);
        i.lot_sz = a(r.lot);
        i.min_sz = a(r.min);
        i.walk_start_px = r.px;
        i.inst_id_code = r.code;
        return i;
    }
    return std::nullopt;
}

std::vector<instrument> parse_symbols(std::string_view csv) {
    std::vector<instrument> out;
    while (!csv.empty()) {
        const auto comma = csv.find(',');
        const auto name = csv.substr(0, comma);
        csv = comma == std::string_view::npos ? std::string_view{} : csv.substr(comma + 1);
        if (name.empty())
            continue;
        auto inst = builtin_instrument(name);
        if (!inst)
            throw std::invalid_argument("unknown symbol '" + std::string(name) +
                                        "' (known: BTC-USDT ETH-USDT SOL-USDT DOGE-USDT XRP-USDT)");
        out.push_back(std::move(*inst));
    }
    if (out.empty())
        throw std::invalid_argument("no symbols given");
    return out;
}

} // namespace scalpel::sim
