// ctl_context: config, segment handles and the REST session of scalpelctl. See context.hpp.
#include "scalpelctl/context.hpp"

#include "common/net/credentials.hpp"
#include "common/net/endpoint.hpp"

#include <cstdio>

namespace scalpel::ctl {

ctl_context::ctl_context(const std::string& config_file, bool json) : json_(json) {
    try {
        cfg_ = config::load(config_file);
    } catch (const config::config_error& e) {
        throw ctl_error(exit_config, std::string("config error: ") + e.what());
    }
}

shm::open_options ctl_context::options() const {
    shm::open_options o;
    o.rundir = cfg_.segment.run_dir;
    o.account_tag = cfg_.segment.account_tag;
    o.populate = false;
    return o;
}

std::unique_ptr<shm::segment> ctl_context::read_only() const {
    auto r = shm::segment::attach_read_only(cfg_.segment.name, options());
    if (!r.ok())
        throw ctl_error(r.status == shm::open_status::no_such_segment ? exit_no_segment : 1,
                        "segment " + cfg_.segment.name + ": " + shm::to_string(r.status) + " " +
                            r.message);
    return std::move(r.seg);
}

std::unique_ptr<shm::segment> ctl_context::read_write() const {
    (void)read_only(); // never create a segment the bot did not make
    auto r = shm::segment::create_or_attach(cfg_.segment.name, shm::role::none, options());
    if (!r.ok())
        throw ctl_error(1, "segment " + cfg_.segment.name + ": " + shm::to_string(r.status) + " " +
                               r.message);
    return std::move(r.seg);
}

net_client::rest_session& ctl_context::rest() {
    if (rest_)
        return *rest_;
    try {
        net_client::endpoint_config e;
        const auto& x = cfg_.exchange;
        e.rest = net_client::parse_url(x.rest_url);
        e.ws = net_client::parse_url(x.ws_url);
        e.demo = x.target == config::exchange_target::okx_demo;
        e.request_timeout = std::chrono::milliseconds(x.request_timeout_ms);
        net_client::validate(e);
        std::optional<net_client::credentials> keys = net_client::credentials_from_env();
        if (!keys && !x.keys_file.empty())
            keys = net_client::credentials_from_file(x.keys_file);
        if (!keys && x.target == config::exchange_target::sim)
            keys = net_client::credentials{"sim-key", "sim-secret", "sim-pass"};
        if (!keys)
            keys = net_client::load_credentials(); // throws, saying how to provide keys
        rest_ = std::make_unique<net_client::rest_session>(e, std::move(keys));
    } catch (const net_client::config_error& e) {
        throw ctl_error(exit_config, std::string("config error: ") + e.what());
    }
    return *rest_;
}

void ctl_context::print(const std::string& text) const {
    std::fputs(text.c_str(), stdout);
    if (text.empty() || text.back() != '\n')
        std::fputc('\n', stdout);
    std::fflush(stdout);
}

} // namespace scalpel::ctl
