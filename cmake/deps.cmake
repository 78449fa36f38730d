# Every dependency is a Debian 12 package with a CMake config (see deploy/setup.sh).
find_package(Threads REQUIRED)
find_package(Boost 1.74 REQUIRED CONFIG)            # headers: Asio, Beast, Interprocess
find_package(OpenSSL 3 REQUIRED)
find_package(simdjson REQUIRED CONFIG)
find_package(fmt REQUIRED CONFIG)
find_package(spdlog REQUIRED CONFIG)
find_package(yaml-cpp REQUIRED CONFIG)
find_package(CLI11 REQUIRED CONFIG)
find_package(ZLIB REQUIRED)
# SQLite ships no CMake config in Debian 12: pkg-config (libsqlite3-dev's sqlite3.pc).
find_package(PkgConfig REQUIRED)
pkg_check_modules(SQLite3 REQUIRED IMPORTED_TARGET sqlite3)
if(SCALPEL_BUILD_TESTS)
  find_package(Catch2 2 REQUIRED CONFIG)
  include(Catch)
endif()
if(SCALPEL_BUILD_BENCH)
  find_package(benchmark CONFIG)
endif()

# promtool (Debian package prometheus) checks the exporter's output in tests/exporter.
find_program(SCALPEL_PROMTOOL promtool)
