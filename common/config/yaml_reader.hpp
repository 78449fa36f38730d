// yaml_reader: walks one YAML mapping, reads typed values with range checks and reports every
// key it did not consume, so config errors always name the full key path ("regimes.choppy.
// ph_threshold_usd") and the allowed range. Internal to scalpel::config.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <set>
#include <string>
#include <vector>

namespace scalpel::config::detail {

class yaml_reader {
public:
    yaml_reader(YAML::Node node, std::string path, std::string origin);

    void read(const char* key, bool& out);
    void read(const char* key, int& out, int min, int max);
    void read(const char* key, double& out, double min, double max);
    void read(const char* key, std::string& out);
    // Whole milliseconds given in `unit_ms` units (seconds = 1000, minutes = 60000).
    void read_duration(const char* key, std::int64_t& out_ms, std::int64_t unit_ms, double min,
                       double max);
    void read(const char* key, std::vector<std::string>& out);

    [[nodiscard]] bool has(const char* key) const;
    [[nodiscard]] yaml_reader child(const char* key) const; // empty mapping when absent

    // Throws when the mapping holds keys nobody read.
    void finish() const;

    [[noreturn]] void fail(const char* key, const std::string& why) const;

private:
    [[nodiscard]] std::string full(const char* key) const;
    YAML::Node node_;
    std::string path_;
    std::string origin_;
    mutable std::set<std::string> consumed_;
};

} // namespace scalpel::config::detail
