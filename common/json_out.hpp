// json_out: a tiny streaming JSON writer for the operator tools (shm_inspect, scalpelctl):
// objects, arrays, escaped strings, integers, finite numbers (null otherwise), booleans. No DOM,
// no allocation beyond the output string; keys and values are written in call order.
#pragma once

#include <fmt/format.h>

#include <cmath>
#include <iterator>
#include <string>
#include <string_view>

namespace scalpel {

class json_out {
public:
    json_out& begin_object(std::string_view key = {}) { return open(key, '{'); }
    json_out& begin_array(std::string_view key = {}) { return open(key, '['); }
    json_out& end_object() { return close('}'); }
    json_out& end_array() { return close(']'); }
    json_out& str(std::string_view key, std::string_view v) {
        prefix(key);
        escape(v);
        return *this;
    }
    json_out& num(std::string_view key, double v) {
        prefix(key);
        if (std::isfinite(v))
            fmt::format_to(std::back_inserter(out_), "{}", v);
        else
            out_ += "null";
        return *this;
    }
    template <class I> json_out& integer(std::string_view key, I v) {
        prefix(key);
        fmt::format_to(std::back_inserter(out_), "{}", v);
        return *this;
    }
    json_out& boolean(std::string_view key, bool v) {
        prefix(key);
        out_ += v ? "true" : "false";
        return *this;
    }
    [[nodiscard]] const std::string& text() const { return out_; }

private:
    json_out& open(std::string_view key, char c) {
        prefix(key);
        out_ += c;
        first_ = true;
        return *this;
    }
    json_out& close(char c) {
        out_ += c;
        first_ = false;
        return *this;
    }
    void prefix(std::string_view key) {
        if (!first_)
            out_ += ',';
        first_ = false;
        if (!key.empty()) {
            escape(key);
            out_ += ':';
        }
    }
    void escape(std::string_view s) {
        out_ += '"';
        for (const char c : s) {
            switch (c) {
            case '"':
                out_ += "\\\"";
                break;
            case '\\':
                out_ += "\\\\";
                break;
            case '\n':
                out_ += "\\n";
                break;
            case '\r':
                out_ += "\\r";
                break;
            case '\t':
                out_ += "\\t";
                break;
            default:
                if (static_cast<unsigned char>(c) < 0x20)
                    fmt::format_to(std::back_inserter(out_), "\\u{:04x}", c);
                else
                    out_ += c;
            }
        }
        out_ += '"';
    }
    std::string out_;
    bool first_ = true;
};

} // namespace scalpel
