// Deterministic client order ids. See order_ids.hpp.
#include "shm_layout/order_ids.hpp"

namespace scalpel::shm {

namespace {

constexpr std::size_t tail_length = 6 + 2 + 7 + 1 + 3;
constexpr char digits[] = "0123456789abcdefghijklmnopqrstuvwxyz";

bool is_alpha(char c) noexcept {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_alnum(char c) noexcept {
    return is_alpha(c) || (c >= '0' && c <= '9');
}

bool valid_tag(std::string_view t) noexcept {
    if (t.empty() || t.size() > max_tag_length || !is_alpha(t[0]))
        return false;
    for (char c : t)
        if (!is_alnum(c))
            return false;
    return true;
}

// Writes v as exactly `width` base-36 digits; false if it does not fit.
bool put_base36(char* out, std::uint64_t v, int width) noexcept {
    for (int i = width - 1; i >= 0; --i) {
        out[i] = digits[v % 36];
        v /= 36;
    }
    return v == 0;
}

bool get_base36(std::string_view s, std::uint64_t& v) noexcept {
    v = 0;
    for (char c : s) {
        int d;
        if (c >= '0' && c <= '9')
            d = c - '0';
        else if (c >= 'a' && c <= 'z')
            d = c - 'a' + 10;
        else
            return false;
        v = v * 36 + static_cast<std::uint64_t>(d);
    }
    return true;
}

char intent_char(intent i) noexcept {
    switch (i) {
    case intent::entry:
        return 'e';
    case intent::oco:
        return 'o';
    case intent::close:
        return 'c';
    }
    return '?';
}

} // namespace

bool make_cl_ord_id(const order_id_parts& p, id_string& out) noexcept {
    const std::string_view tag = p.tag.view();
    if (!valid_tag(tag))
        return false;
    char buf[max_tag_length + tail_length];
    std::size_t n = tag.size();
    for (std::size_t i = 0; i < n; ++i)
        buf[i] = tag[i];
    char* t = buf + n;
    const char ic = intent_char(p.what);
    if (ic == '?' || !put_base36(t, p.epoch % epoch_modulus, 6) || !put_base36(t + 6, p.slot, 2) ||
        !put_base36(t + 8, p.generation, 7) || !put_base36(t + 16, p.attempt, 3))
        return false;
    t[15] = ic;
    n += tail_length;
    return out.assign(std::string_view(buf, n));
}

bool parse_cl_ord_id(std::string_view id, order_id_parts& out) noexcept {
    if (id.size() <= tail_length)
        return false;
    const std::string_view tag = id.substr(0, id.size() - tail_length);
    const std::string_view t = id.substr(id.size() - tail_length);
    if (!valid_tag(tag))
        return false;
    std::uint64_t epoch, slot, gen, attempt;
    if (!get_base36(t.substr(0, 6), epoch) || !get_base36(t.substr(6, 2), slot) ||
        !get_base36(t.substr(8, 7), gen) || !get_base36(t.substr(16, 3), attempt) ||
        gen > 0xffffffffULL)
        return false;
    intent what;
    switch (t[15]) {
    case 'e':
        what = intent::entry;
        break;
    case 'o':
        what = intent::oco;
        break;
    case 'c':
        what = intent::close;
        break;
    default:
        return false;
    }
    order_id_parts p;
    p.tag.assign_truncated(tag);
    p.epoch = static_cast<std::uint32_t>(epoch);
    p.slot = static_cast<std::uint32_t>(slot);
    p.generation = static_cast<std::uint32_t>(gen);
    p.what = what;
    p.attempt = static_cast<std::uint32_t>(attempt);
    out = p;
    return true;
}

} // namespace scalpel::shm
