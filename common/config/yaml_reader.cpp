// yaml_reader: typed, range-checked reads with full key paths. See yaml_reader.hpp.
#include "common/config/yaml_reader.hpp"

#include "common/config/bot_config.hpp"

#include <fmt/format.h>

#include <cmath>

namespace scalpel::config::detail {

yaml_reader::yaml_reader(YAML::Node node, std::string path, std::string origin)
    : node_(std::move(node)), path_(std::move(path)), origin_(std::move(origin)) {
    if (node_ && !node_.IsNull() && !node_.IsMap())
        throw config_error(
            fmt::format("{}: '{}' must be a mapping", origin_, path_.empty() ? "<top>" : path_));
}

std::string yaml_reader::full(const char* key) const {
    return path_.empty() ? key : path_ + "." + key;
}

void yaml_reader::fail(const char* key, const std::string& why) const {
    throw config_error(fmt::format("{}: {}: {}", origin_, full(key), why));
}

bool yaml_reader::has(const char* key) const {
    return node_ && node_.IsMap() && node_[key];
}

yaml_reader yaml_reader::child(const char* key) const {
    consumed_.insert(key);
    return yaml_reader(has(key) ? node_[key] : YAML::Node(), full(key), origin_);
}

void yaml_reader::read(const char* key, bool& out) {
    consumed_.insert(key);
    if (!has(key))
        return;
    try {
        out = node_[key].as<bool>();
    } catch (const YAML::Exception&) {
        fail(key, fmt::format("'{}' is not a boolean (true/false)", node_[key].Scalar()));
    }
}

void yaml_reader::read(const char* key, int& out, int min, int max) {
    double value = out;
    read(key, value, min, max);
    if (value != std::floor(value))
        fail(key, fmt::format("{} is not a whole number", value));
    out = static_cast<int>(value);
}

void yaml_reader::read(const char* key, double& out, double min, double max) {
    consumed_.insert(key);
    if (!has(key))
        return;
    double value = 0;
    try {
        value = node_[key].as<double>();
    } catch (const YAML::Exception&) {
        fail(key,
             fmt::format("'{}' is not a number (allowed {} .. {})", node_[key].Scalar(), min, max));
    }
    if (!std::isfinite(value) || value < min || value > max)
        fail(key, fmt::format("{} is out of range (allowed {} .. {})", value, min, max));
    out = value;
}

void yaml_reader::read(const char* key, std::string& out) {
    consumed_.insert(key);
    if (!has(key))
        return;
    if (!node_[key].IsScalar())
        fail(key, "must be a string");
    out = node_[key].Scalar();
}

void yaml_reader::read_duration(const char* key, std::int64_t& out_ms, std::int64_t unit_ms,
                                double min, double max) {
    double units = static_cast<double>(out_ms) / static_cast<double>(unit_ms);
    read(key, units, min, max);
    out_ms = static_cast<std::int64_t>(std::llround(units * static_cast<double>(unit_ms)));
}

void yaml_reader::read(const char* key, std::vector<std::string>& out) {
    consumed_.insert(key);
    if (!has(key))
        return;
    const YAML::Node list = node_[key];
    if (!list.IsSequence())
        fail(key, "must be a list");
    std::vector<std::string> values;
    for (const auto& item : list) {
        if (!item.IsScalar())
            fail(key, "every entry must be a string");
        values.push_back(item.Scalar());
    }
    out = std::move(values);
}

void yaml_reader::finish() const {
    if (!node_ || !node_.IsMap())
        return;
    for (const auto& kv : node_) {
        const std::string key = kv.first.Scalar();
        if (!consumed_.count(key)) {
            std::string known;
            for (const auto& k : consumed_)
                known += (known.empty() ? "" : ", ") + k;
            throw config_error(fmt::format("{}: unknown key '{}' (known here: {})", origin_,
                                           full(key.c_str()), known));
        }
    }
}

} // namespace scalpel::config::detail
