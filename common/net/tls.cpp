// TLS client setup. See tls.hpp.
#include "common/net/tls.hpp"

#include <openssl/ssl.h>

namespace scalpel::net_client {

std::unique_ptr<ssl::context> make_tls_context(const endpoint_config& cfg) {
    auto ctx = std::make_unique<ssl::context>(ssl::context::tls_client);
    ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                     ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    beast::error_code ec;
    ctx->set_default_verify_paths(
        ec); // a missing system store only matters if nothing else verifies
    if (!cfg.ca_file.empty()) {
        ctx->load_verify_file(cfg.ca_file, ec);
        if (ec)
            throw config_error("cannot load CA file '" + cfg.ca_file + "': " + ec.message());
    }
    ctx->set_verify_mode(ssl::verify_peer);
    return ctx;
}

beast::error_code prepare_tls(SSL* native, const std::string& host) {
    beast::error_code ec;
    net::ip::make_address(host, ec);
    const bool is_ip = !ec;
    ec = {};
    if (!is_ip && !SSL_set_tlsext_host_name(native, host.c_str()))
        return beast::error_code(static_cast<int>(::ERR_get_error()),
                                 net::error::get_ssl_category());
    return ec;
}

} // namespace scalpel::net_client
