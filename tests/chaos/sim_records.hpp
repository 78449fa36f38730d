// sim_records: the simulator's own records of what happened on the exchange, as the chaos audit
// reads them — the order log (every order-affecting request, also rejected ones, and every algo
// trigger), the order rows and the algo rows of /sim/orders, and the deferred arrivals of
// /sim/orders/since. Parsing only: no judgement here, and never anything from the bot's segment.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace scalpel::chaos {

// One order-log entry (a "requests" row).
struct log_row {
    std::int64_t seq = 0;
    std::string kind; // place_order | cancel_order | place_algo | cancel_algo | algo_trigger
    std::string via, path, inst_id, side, ord_type, sz, cl_ord_id, ord_id, algo_cl_ord_id, algo_id;
    std::string tp_trigger_px, sl_trigger_px, s_code, s_msg, state;
    std::int64_t recv_mono_ns = 0;
};

// One order as the exchange holds it (OKX row format).
struct order_row {
    std::string inst_id, ord_id, cl_ord_id, side, state, fee_ccy, algo_id, algo_cl_ord_id;
    double acc_fill_sz = 0, avg_px = 0, fee = 0;
};

// One algo order as the exchange holds it.
struct algo_row {
    std::string inst_id, algo_id, algo_cl_ord_id, side, state;
};

// A request a delay fault held (see okx_sim /sim/orders/since).
struct arrival_row {
    std::int64_t seq = 0;
    std::string method, path;
    std::int64_t recv_mono_ns = 0;
};

struct sim_records {
    std::vector<log_row> log;
    std::vector<order_row> orders;
    std::vector<algo_row> algos;
};

// Parses a /sim/orders body. Returns false when it is not that shape.
[[nodiscard]] bool parse_sim_orders(std::string_view body, sim_records& out);

// Parses a /sim/orders/since body into new log rows and arrivals (appended).
[[nodiscard]] bool parse_orders_since(std::string_view body, std::vector<log_row>& log,
                                      std::vector<arrival_row>& arrivals);

} // namespace scalpel::chaos
