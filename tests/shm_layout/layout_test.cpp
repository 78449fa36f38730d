// Layout guarantees and the "foreign segment is refused untouched" rule, plus the deterministic
// client order ids. Pure single-process checks.
#include "shm_layout/layout.hpp"

#include "shm_layout/order_ids.hpp"
#include "shm_layout/segment.hpp"
#include "tests/shm_layout/test_util.hpp"

#include <catch2/catch.hpp>

#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

using namespace scalpel;
using namespace scalpel::shm;

TEST_CASE("layout: shm-safe types, pinned sizes, frozen header", "[unit][shm]") {
    STATIC_REQUIRE(std::is_standard_layout_v<segment_layout>);
    STATIC_REQUIRE(std::is_trivially_copyable_v<segment_layout>);
    STATIC_REQUIRE(std::atomic<std::uint64_t>::is_always_lock_free);
    STATIC_REQUIRE(sizeof(segment_header) == 64);
    STATIC_REQUIRE(offsetof(segment_layout, slots) % 128 == 0);
    STATIC_REQUIRE(sizeof(position_slot) % 128 == 0);
    STATIC_REQUIRE(layout_hash != 0);
    CHECK(sizeof(segment_layout) < 1024 * 1024); // fits Docker's 64 MB /dev/shm many times over
    // Two processes built from the same sources agree; a changed struct changes the hash.
    CHECK(layout_hash == shm::layout_hash);
    INFO("segment size " << sizeof(segment_layout) << " B");
}

TEST_CASE("order ids: deterministic, OKX-valid, parse back", "[unit]") {
    order_id_parts p;
    p.tag.assign_truncated("sctest");
    p.epoch = 1'732'000'000;
    p.slot = 63;
    p.generation = 0xffffffffu;
    p.what = intent::close;
    p.attempt = 46655;
    id_string id;
    REQUIRE(make_cl_ord_id(p, id));
    CHECK(id.view().size() <= 32);
    for (char c : id.view())
        CHECK(std::isalnum(static_cast<unsigned char>(c)));
    id_string again;
    REQUIRE(make_cl_ord_id(p, again));
    CHECK(again == id);
    order_id_parts back;
    REQUIRE(parse_cl_ord_id(id.view(), back));
    CHECK(back.tag == std::string_view("sctest"));
    CHECK(back.epoch == p.epoch % epoch_modulus);
    CHECK(back.slot == 63);
    CHECK(back.generation == 0xffffffffu);
    CHECK(back.what == intent::close);
    CHECK(back.attempt == 46655);

    p.tag.assign_truncated("abcdefghijkl"); // the longest tag still fits 32
    REQUIRE(make_cl_ord_id(p, id));
    CHECK(id.view().size() == 31);
    p.attempt = 46656;
    CHECK_FALSE(make_cl_ord_id(p, id));
    p.attempt = 0;
    p.tag.assign_truncated("1abc");
    CHECK_FALSE(make_cl_ord_id(p, id));
    p.tag.assign_truncated("ab-c");
    CHECK_FALSE(make_cl_ord_id(p, id));
    CHECK_FALSE(parse_cl_ord_id("manual123", back));
    CHECK_FALSE(parse_cl_ord_id("abc0000000a0000000x000", back));
}

namespace {

// Writes a file in /dev/shm that looks like a segment of another layout version.
std::vector<unsigned char> make_foreign(const std::string& name, std::uint64_t magic,
                                        std::uint32_t version, std::size_t size) {
    const int fd = ::shm_open(("/" + name).c_str(), O_CREAT | O_EXCL | O_RDWR, 0600);
    REQUIRE(fd >= 0);
    std::vector<unsigned char> bytes(size);
    for (std::size_t i = 0; i < size; ++i)
        bytes[i] = static_cast<unsigned char>(i * 7 + 3);
    std::memcpy(bytes.data(), &magic, 8);
    std::memcpy(bytes.data() + 8, &version, 4);
    const std::uint32_t ready = 2;
    std::memcpy(bytes.data() + 24, &ready, 4);
    REQUIRE(::write(fd, bytes.data(), size) == static_cast<ssize_t>(size));
    ::close(fd);
    return bytes;
}

std::vector<unsigned char> read_all(const std::string& name) {
    const int fd = ::shm_open(("/" + name).c_str(), O_RDONLY, 0);
    REQUIRE(fd >= 0);
    struct stat st {};
    ::fstat(fd, &st);
    std::vector<unsigned char> bytes(static_cast<std::size_t>(st.st_size));
    REQUIRE(::read(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()));
    ::close(fd);
    return bytes;
}

} // namespace

TEST_CASE("a foreign version is refused by name and left untouched", "[unit][shm]") {
    testing::temp_segment ts;
    const auto before = make_foreign(ts.name, segment_magic, 999, sizeof(segment_layout) + 4096);
    auto r = segment::create_or_attach(ts.name, role::guard, ts.options());
    CHECK(r.status == open_status::version_mismatch);
    CHECK_FALSE(r.ok());
    CHECK(r.message.find("999") != std::string::npos);
    CHECK(r.message.find("version " + std::to_string(layout_version)) != std::string::npos);
    CHECK(r.header.version == 999);
    CHECK(read_all(ts.name) == before);

    auto ro = segment::attach_read_only(ts.name, ts.options());
    CHECK(ro.status == open_status::version_mismatch);
    CHECK(ro.header.valid);
    CHECK(read_all(ts.name) == before);
}

TEST_CASE("foreign magic and a same-version segment of the wrong size are refused untouched",
          "[unit][shm]") {
    testing::temp_segment ts;
    const auto before = make_foreign(ts.name, 0x1122334455667788ULL, layout_version, 4096);
    auto r = segment::create_or_attach(ts.name, role::none, ts.options());
    CHECK(r.status == open_status::version_mismatch);
    CHECK(r.message.find("magic") != std::string::npos);
    CHECK(read_all(ts.name) == before);

    testing::temp_segment ts2;
    const auto before2 =
        make_foreign(ts2.name, segment_magic, layout_version, sizeof(segment_layout) - 128);
    auto r2 = segment::create_or_attach(ts2.name, role::none, ts2.options());
    CHECK(r2.status == open_status::version_mismatch);
    CHECK(read_all(ts2.name) == before2);
}
