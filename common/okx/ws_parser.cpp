// WS frame parser. See ws_parser.hpp. One pass over the top-level object; `data` is parsed as soon
// as it is reached when `arg`/`op` came first (always so on OKX), otherwise after a rewind.
#include "common/okx/ws_parser.hpp"

#include "common/okx/json_detail.hpp"

#include <cstring>
#include <new>

namespace scalpel::okx {

using namespace detail;

std::string_view to_string(ws_msg k) noexcept {
    switch (k) {
    case ws_msg::pong:
        return "pong";
    case ws_msg::ticker:
        return "ticker";
    case ws_msg::orders:
        return "orders";
    case ws_msg::orders_algo:
        return "orders_algo";
    case ws_msg::login:
        return "login";
    case ws_msg::subscribe:
        return "subscribe";
    case ws_msg::unsubscribe:
        return "unsubscribe";
    case ws_msg::error:
        return "error";
    case ws_msg::notice:
        return "notice";
    case ws_msg::op_reply:
        return "op_reply";
    case ws_msg::subscription_terminated:
        return "subscription_terminated";
    case ws_msg::other_event:
        return "other_event";
    case ws_msg::other_push:
        return "other_push";
    case ws_msg::malformed:
        return "malformed";
    }
    return "?";
}

struct ws_frame_parser::impl {
    explicit impl(std::size_t max)
        : max_frame(max), buf(new char[max + simdjson::SIMDJSON_PADDING]) {
        if (parser.allocate(max) != simdjson::SUCCESS)
            throw std::bad_alloc();
    }
    std::size_t max_frame;
    std::unique_ptr<char[]> buf;
    od::parser parser{};
};

ws_frame_parser::ws_frame_parser(std::size_t max_frame)
    : impl_(std::make_unique<impl>(max_frame)) {}
ws_frame_parser::~ws_frame_parser() = default;
std::size_t ws_frame_parser::max_frame() const noexcept {
    return impl_->max_frame;
}

namespace {

ws_msg malformed(ws_message& out, std::string_view what) noexcept {
    out.kind = ws_msg::malformed;
    out.err = make_error(error_kind::bad_response, what);
    return out.kind;
}

// Parses `data` for the channel/op already known. Returns false with out.err set on a bad row.
bool parse_data(od::value& v, ws_message& out) noexcept {
    od::array arr;
    if (v.get_array().get(arr) != simdjson::SUCCESS) {
        out.err = make_error(error_kind::bad_response, "field is not an array: data");
        return false;
    }
    out.n_rows = 0;
    out.n_dropped = 0;
    for (auto item : arr) {
        od::object obj;
        if (item.get_object().get(obj) != simdjson::SUCCESS) {
            out.err = make_error(error_kind::bad_response, "data item is not an object");
            return false;
        }
        if (out.kind == ws_msg::ticker) {
            if (out.n_rows == 0 && !read_ticker(obj, out.tick, out.err))
                return false;
        } else if (out.kind == ws_msg::orders || out.kind == ws_msg::orders_algo ||
                   out.kind == ws_msg::op_reply) {
            if (out.n_rows >= ws_message::max_rows) {
                ++out.n_dropped;
                continue;
            }
            const std::size_t i = out.n_rows;
            if (out.kind == ws_msg::orders) {
                if (!read_order_detail(obj, out.orders[i], out.err))
                    return false;
            } else if (out.kind == ws_msg::orders_algo) {
                if (!read_algo_order(obj, out.algos[i], out.err))
                    return false;
            } else {
                item_status st;
                if (!read_order_ack(obj, out.acks[i], st, out.err))
                    return false;
                out.ack_errs[i] = (st.has_s_code && st.s_code != 0)
                                      ? make_error(st.s_code, st.s_msg, 0, st.sub_code)
                                      : error{};
            }
        } else {
            return true; // other_push: rows not parsed
        }
        ++out.n_rows;
    }
    if (out.kind == ws_msg::ticker && out.n_rows == 0) {
        out.err = make_error(error_kind::bad_response, "tickers push without rows");
        return false;
    }
    return true;
}

bool read_arg(od::value& v, ws_message& out, field_walker& w) noexcept {
    od::object arg;
    if (v.get_object().get(arg) != simdjson::SUCCESS)
        return w.fail("field is not an object: arg");
    for (auto f : arg) {
        od::field field;
        std::string_view k;
        if (std::move(f).get(field) != simdjson::SUCCESS ||
            field.unescaped_key().get(k) != simdjson::SUCCESS)
            return w.fail("malformed object");
        if (k == "channel") {
            if (!w.str(field.value(), k, out.channel))
                return false;
        } else if (k == "instId") {
            if (!w.str(field.value(), k, out.inst_id))
                return false;
        }
    }
    return true;
}

// OKX's error event for a subscription it refuses names no `arg`: the argument is only in the text,
// "Wrong URL or channel:tickers,instId:BTC-USDX doesn't exist. Please use …" (code 60018, docs-v5
// "Error Code > WebSocket > Public" 60018 "Wrong URL or channel:{0},instId:{1} doesn't exist";
// the full text as OKX sends it: aiviaio/okex issue #76). Fills channel/inst_id when the text has
// that shape (left empty otherwise). No allocation.
void subscription_arg_of(std::string_view text, ws_message& out) noexcept {
    constexpr std::string_view ch_key = "channel:", id_key = ",instId:";
    const auto ch_at = text.find(ch_key);
    if (ch_at == std::string_view::npos)
        return;
    const auto id_at = text.find(id_key, ch_at + ch_key.size());
    if (id_at == std::string_view::npos)
        return;
    const std::string_view channel =
        text.substr(ch_at + ch_key.size(), id_at - ch_at - ch_key.size());
    std::string_view inst = text.substr(id_at + id_key.size());
    inst = inst.substr(0, inst.find_first_of(" ,."));
    if (channel.empty() || channel.size() > out.channel.capacity() || inst.empty() ||
        inst.size() > out.inst_id.capacity())
        return;
    out.channel.assign_truncated(channel);
    out.inst_id.assign_truncated(inst);
}

} // namespace

ws_msg ws_frame_parser::parse(std::string_view frame, ws_message& out) noexcept {
    out.err = error{};
    out.channel.clear();
    out.inst_id.clear();
    out.id.clear();
    out.op.clear();
    out.n_rows = 0;
    out.n_dropped = 0;
    if (frame == "pong")
        return out.kind = ws_msg::pong;
    if (frame.size() > impl_->max_frame)
        return malformed(out, "frame larger than max_frame");
    std::memcpy(impl_->buf.get(), frame.data(), frame.size());
    std::memset(impl_->buf.get() + frame.size(), 0, simdjson::SIMDJSON_PADDING);

    od::document doc;
    if (impl_->parser
            .iterate(impl_->buf.get(), frame.size(), frame.size() + simdjson::SIMDJSON_PADDING)
            .get(doc) != simdjson::SUCCESS)
        return malformed(out, "malformed JSON");
    od::object obj;
    if (doc.get_object().get(obj) != simdjson::SUCCESS)
        return malformed(out, "frame is not a JSON object");

    field_walker w(out.err);
    std::string_view code_text, msg;
    fixed_string<40> event; // "channel-conn-count-error" is 24 characters
    bool has_event = false, has_data = false, data_done = false, has_arg = false;
    // `data` needs the kind, so classify as soon as arg/op have been seen.
    auto classify = [&]() {
        if (!out.op.empty())
            out.kind = ws_msg::op_reply;
        else if (out.channel == "tickers")
            out.kind = ws_msg::ticker;
        else if (out.channel == "orders")
            out.kind = ws_msg::orders;
        else if (out.channel == "orders-algo")
            out.kind = ws_msg::orders_algo;
        else
            out.kind = ws_msg::other_push;
    };
    for (auto f : obj) {
        od::field field;
        std::string_view k;
        if (std::move(f).get(field) != simdjson::SUCCESS ||
            field.unescaped_key().get(k) != simdjson::SUCCESS)
            return malformed(out, "malformed JSON");
        od::value& v = field.value();
        if (k == "event") {
            if (!w.str(v, k, event))
                return out.kind = ws_msg::malformed;
            has_event = true;
        } else if (k == "arg") {
            if (!read_arg(v, out, w))
                return out.kind = ws_msg::malformed;
            has_arg = true;
        } else if (k == "op") {
            if (!w.str(v, k, out.op))
                return out.kind = ws_msg::malformed;
        } else if (k == "id") {
            if (!w.str(v, k, out.id))
                return out.kind = ws_msg::malformed;
        } else if (k == "channel") {
            // channel-conn-count(-error) name the channel at the top level, not in `arg`.
            if (!w.str(v, k, out.channel))
                return out.kind = ws_msg::malformed;
        } else if (k == "code") {
            if (!w.text(v, k, code_text))
                return out.kind = ws_msg::malformed;
            int code = 0;
            if (!text_to_int(code_text, code))
                return malformed(out, "field is not an integer: code");
            out.err.code = code;
        } else if (k == "msg") {
            if (!w.text(v, k, msg))
                return out.kind = ws_msg::malformed;
            out.err.message.assign_truncated(msg);
        } else if (k == "data" && !has_event) {
            has_data = true;
            if (has_arg || !out.op.empty()) {
                classify();
                if (!parse_data(v, out))
                    return out.kind = ws_msg::malformed;
                data_done = true;
            }
        }
    }
    if (has_event) {
        const int code = out.err.code;
        if (event == "login")
            out.kind = code == 0 ? ws_msg::login : ws_msg::error;
        else if (event == "subscribe")
            out.kind = ws_msg::subscribe;
        else if (event == "unsubscribe")
            out.kind = ws_msg::unsubscribe;
        else if (event == "error")
            out.kind = ws_msg::error;
        else if (event == "notice")
            out.kind = ws_msg::notice;
        else if (event == "channel-conn-count-error")
            out.kind = ws_msg::subscription_terminated;
        else
            out.kind = ws_msg::other_event;
        if (out.kind == ws_msg::error || out.kind == ws_msg::notice) {
            const auto message = out.err.message;
            out.err = make_error(code, message.view());
            if (out.kind == ws_msg::error && code == subscription_refused_code &&
                out.inst_id.empty())
                subscription_arg_of(msg, out);
        } else if (out.kind == ws_msg::subscription_terminated) {
            out.err = make_error(error_kind::exchange,
                                 "channel-conn-count-error: OKX terminated the subscription "
                                 "(connection count limit of the channel)");
        } else {
            out.err = error{};
        }
        return out.kind;
    }
    if (!has_data)
        return malformed(out, "frame has neither event nor data");
    if (!data_done) {
        // `data` came before `arg`/`op`: rewind and parse it now that the kind is known.
        classify();
        doc.rewind();
        od::value v;
        if (doc["data"].get(v) != simdjson::SUCCESS)
            return malformed(out, "malformed JSON");
        if (!parse_data(v, out))
            return out.kind = ws_msg::malformed;
    }
    if (out.kind == ws_msg::op_reply) {
        const int code = out.err.code;
        out.err = code == 0 ? error{} : make_error(code, out.err.message.view());
    } else {
        out.err = error{};
    }
    return out.kind;
}

error ws_frame_parser::parse_ticker(std::string_view frame, ticker& out) noexcept {
    if (frame.size() > impl_->max_frame)
        return make_error(error_kind::bad_response, "frame larger than max_frame");
    std::memcpy(impl_->buf.get(), frame.data(), frame.size());
    std::memset(impl_->buf.get() + frame.size(), 0, simdjson::SIMDJSON_PADDING);
    od::document doc;
    if (impl_->parser
            .iterate(impl_->buf.get(), frame.size(), frame.size() + simdjson::SIMDJSON_PADDING)
            .get(doc) != simdjson::SUCCESS)
        return make_error(error_kind::bad_response, "malformed JSON");
    od::object obj;
    if (doc.get_object().get(obj) != simdjson::SUCCESS)
        return make_error(error_kind::bad_response, "frame is not a JSON object");
    error err;
    field_walker w(err);
    bool is_ticker = false;
    for (auto f : obj) {
        od::field field;
        std::string_view k;
        if (std::move(f).get(field) != simdjson::SUCCESS ||
            field.unescaped_key().get(k) != simdjson::SUCCESS)
            return make_error(error_kind::bad_response, "malformed JSON");
        od::value& v = field.value();
        if (k == "arg") {
            od::object arg;
            if (v.get_object().get(arg) != simdjson::SUCCESS)
                return make_error(error_kind::bad_response, "bad arg");
            std::string_view ch;
            if (arg["channel"].get_string().get(ch) != simdjson::SUCCESS)
                return make_error(error_kind::bad_response, "missing field: channel");
            if (ch != "tickers")
                return make_error(error_kind::bad_response, "not a tickers push");
            is_ticker = true;
        } else if (k == "data") {
            if (!is_ticker)
                return make_error(error_kind::bad_response, "not a tickers push");
            od::array arr;
            if (v.get_array().get(arr) != simdjson::SUCCESS)
                return make_error(error_kind::bad_response, "field is not an array: data");
            for (auto item : arr) {
                od::object row;
                if (item.get_object().get(row) != simdjson::SUCCESS)
                    return make_error(error_kind::bad_response, "data item is not an object");
                if (!read_ticker(row, out, err))
                    return err;
                return error{};
            }
            return make_error(error_kind::bad_response, "tickers push without rows");
        } else if (k == "event") {
            return make_error(error_kind::bad_response, "not a tickers push");
        }
    }
    return make_error(error_kind::bad_response, "not a tickers push");
}

} // namespace scalpel::okx
