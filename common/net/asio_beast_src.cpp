// Separate compilation of Asio, Asio.SSL and Beast: their non-template code is compiled here once.
#include "common/net/asio.hpp"

#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/beast/src.hpp>
