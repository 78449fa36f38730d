// Credential loading. See credentials.hpp. Error texts name variables, files and modes, never
// values.
#include "common/net/credentials.hpp"

#include "common/log.hpp"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sys/stat.h>

namespace scalpel::net_client {
namespace {

std::string env_or_empty(const char* name) {
    const char* v = std::getenv(name); // NOLINT(concurrency-mt-unsafe): read once at startup
    return v ? std::string(v) : std::string();
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
        s.remove_suffix(1);
    return s;
}

} // namespace

std::optional<credentials> credentials_from_env() {
    credentials c{env_or_empty("SCALPEL_OKX_API_KEY"), env_or_empty("SCALPEL_OKX_SECRET"),
                  env_or_empty("SCALPEL_OKX_PASSPHRASE")};
    const int set = !c.api_key.empty() + !c.secret.empty() + !c.passphrase.empty();
    if (set == 0)
        return std::nullopt;
    if (set == 3)
        return c;
    std::string missing;
    if (c.api_key.empty())
        missing += " SCALPEL_OKX_API_KEY";
    if (c.secret.empty())
        missing += " SCALPEL_OKX_SECRET";
    if (c.passphrase.empty())
        missing += " SCALPEL_OKX_PASSPHRASE";
    throw config_error("OKX credentials in the environment are incomplete; missing:" + missing);
}

credentials credentials_from_file(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0)
        throw config_error("OKX key file '" + path + "' does not exist or is not accessible");
    if (!S_ISREG(st.st_mode))
        throw config_error("OKX key file '" + path + "' is not a regular file");
    if ((st.st_mode & 077) != 0) {
        char mode[8];
        std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
        throw config_error("OKX key file '" + path + "' has mode " + mode +
                           "; it must not be accessible by group or others (chmod 600 '" + path +
                           "')");
    }
    std::ifstream in(path);
    if (!in)
        throw config_error("OKX key file '" + path + "' cannot be opened");
    credentials c;
    std::string line;
    int line_no = 0;
    while (std::getline(in, line)) {
        ++line_no;
        const std::string_view l = trim(line);
        if (l.empty() || l.front() == '#')
            continue;
        const auto eq = l.find('=');
        if (eq == std::string_view::npos)
            throw config_error("OKX key file '" + path + "' line " + std::to_string(line_no) +
                               " is not key=value");
        const std::string_view key = trim(l.substr(0, eq));
        const std::string value(trim(l.substr(eq + 1)));
        if (key == "api_key" || key == "SCALPEL_OKX_API_KEY")
            c.api_key = value;
        else if (key == "secret" || key == "SCALPEL_OKX_SECRET")
            c.secret = value;
        else if (key == "passphrase" || key == "SCALPEL_OKX_PASSPHRASE")
            c.passphrase = value;
        else
            throw config_error("OKX key file '" + path + "' line " + std::to_string(line_no) +
                               " has unknown key '" + std::string(key) + "'");
    }
    std::string missing;
    if (c.api_key.empty())
        missing += " api_key";
    if (c.secret.empty())
        missing += " secret";
    if (c.passphrase.empty())
        missing += " passphrase";
    if (!missing.empty())
        throw config_error("OKX key file '" + path + "' lacks:" + missing);
    return c;
}

credentials load_credentials(const std::string& file) {
    if (auto env = credentials_from_env())
        return *env;
    if (!file.empty())
        return credentials_from_file(file);
    throw config_error("no OKX credentials: set SCALPEL_OKX_API_KEY, SCALPEL_OKX_SECRET and "
                       "SCALPEL_OKX_PASSPHRASE, or give a "
                       "key file (mode 0600)");
}

std::string describe(const credentials& c) {
    return "api_key=" + log::redact(c.api_key) + " secret=(redacted) passphrase=(redacted)";
}

} // namespace scalpel::net_client
