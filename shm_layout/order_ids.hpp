// Deterministic client order ids. A slot's orders are named by {account tag, segment epoch, slot,
// generation, intent, attempt}, so a process restarted after a crash can recompute the id of any
// order its predecessor may have sent and look it up on the exchange before sending anything new.
// The segment epoch (creation time in seconds) keeps ids unique across a recreated segment (tmpfs
// dies at reboot and generations restart). Output is OKX-valid: alphanumeric, ≤ 32 characters.
// Never put a secret or anything variable-length besides the tag into an id.
#pragma once

#include "shm_layout/types.hpp"

#include <cstdint>
#include <string_view>

namespace scalpel::shm {

struct order_id_parts {
    symbol_string tag;            // 1..12 alphanumerics, starting with a letter
    std::uint32_t epoch = 0;      // segment epoch; only its value mod 36^6 is encoded
    std::uint32_t slot = 0;       // < 1296
    std::uint32_t generation = 0; // any u32
    intent what = intent::entry;
    std::uint32_t attempt = 0; // < 46656
};

inline constexpr std::size_t max_tag_length = 12;
inline constexpr std::uint32_t epoch_modulus = 2176782336u; // 36^6

// Layout: <tag><epoch:6><slot:2><generation:7><intent:e|o|c><attempt:3>, lowercase base-36 digits,
// fixed widths so the tag can be split off. Returns false (out untouched) when a part is out of
// range or the tag is not 1..12 alphanumerics starting with a letter.
[[nodiscard]] bool make_cl_ord_id(const order_id_parts& parts, id_string& out) noexcept;

// Inverse of make_cl_ord_id (epoch comes back reduced mod 36^6). Returns false for anything
// make_cl_ord_id cannot have produced, e.g. ids of orders placed by hand.
[[nodiscard]] bool parse_cl_ord_id(std::string_view id, order_id_parts& out) noexcept;

} // namespace scalpel::shm
