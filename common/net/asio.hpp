// The only way scalpel code includes Asio/Beast. <utility> comes first: Boost 1.74's
// awaitable.hpp uses std::exchange without including it and fails on g++ 12 otherwise.
// `net`, `beast`, `http`, `websocket`, `ssl` aliases follow the Beast examples.
#pragma once

#include <utility>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

namespace scalpel {
namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace websocket = boost::beast::websocket;
namespace ssl = boost::asio::ssl;
using tcp = boost::asio::ip::tcp;
} // namespace scalpel
