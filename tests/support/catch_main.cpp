// The one Catch2 main, compiled once and linked into every test executable (Catch2 is slow to
// build).
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
