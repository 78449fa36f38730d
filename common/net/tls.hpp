// TLS client setup shared by rest_client and ws_client (design.md §3.7): system trust store plus
// an optional extra CA file, verify_peer, host-name verification and SNI. Beast 1.74's examples
// set neither SNI nor verification; every TLS stream here gets both, always.
// Include only from connection .cpp files (pulls in Asio/Beast).
#pragma once

#include "common/net/asio.hpp"
#include "common/net/endpoint.hpp"

#include <memory>
#include <string>

namespace scalpel::net_client {

using tls_stream = beast::ssl_stream<beast::tcp_stream>;

// A client context trusting the system store and `cfg.ca_file` (when set). Throws config_error
// when the CA file cannot be loaded.
[[nodiscard]] std::unique_ptr<ssl::context> make_tls_context(const endpoint_config& cfg);

// Sets SNI (for names, not IP literals) and the host-name verify callback on `ssl_stream`.
// Returns an error when OpenSSL refuses the SNI name.
[[nodiscard]] beast::error_code prepare_tls(SSL* native, const std::string& host);
template <class SslStream>
[[nodiscard]] beast::error_code prepare_tls(SslStream& s, const std::string& host) {
    if (auto ec = prepare_tls(s.native_handle(), host))
        return ec;
    s.set_verify_mode(ssl::verify_peer);
    s.set_verify_callback(ssl::host_name_verification(host));
    return {};
}

} // namespace scalpel::net_client
