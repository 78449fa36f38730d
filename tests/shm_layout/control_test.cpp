// The segment's operator control block: the halt flag (persisted in the rundir, restored at start,
// seen read-only) and the command mailbox's life cycle, including a command taken over from a
// guard incarnation that died while holding it.
#include "shm_layout/segment.hpp"
#include "tests/shm_layout/test_util.hpp"

#include <catch2/catch.hpp>

#include <filesystem>

using namespace scalpel::shm;

TEST_CASE("halt: set, seen read-only, persisted in the rundir, restored after a restart",
          "[unit][shm]") {
    testing::temp_segment ts;
    {
        auto ctl = segment::create_or_attach(ts.name, role::none, ts.options());
        REQUIRE(ctl.ok());
        CHECK_FALSE(ctl.seg->halt().halted);
        REQUIRE(ctl.seg->set_halted(true, 1234));
        const auto h = ctl.seg->halt();
        CHECK(h.halted);
        CHECK(h.changed_ms == 1234);
        CHECK(h.seq == 1);
        CHECK(ctl.seg->set_halted(true, 9999)); // idempotent: no second change
        CHECK(ctl.seg->halt().seq == 1);
        CHECK(std::filesystem::exists(ctl.seg->halt_file()));
        auto ro = segment::attach_read_only(ts.name, ts.options());
        REQUIRE(ro.ok());
        CHECK(ro.seg->halt().halted);
        CHECK_FALSE(ro.seg->set_halted(false));
        CHECK(ro.seg->halt().halted);
    }
    // "Reboot": the segment is gone, the file is not; the next process restores the halt.
    segment::remove(ts.name);
    auto guard = segment::create_or_attach(ts.name, role::guard, ts.options());
    REQUIRE(guard.ok());
    CHECK_FALSE(guard.seg->halt().halted);
    CHECK(guard.seg->restore_persisted_halt());
    CHECK(guard.seg->halt().halted);
    REQUIRE(guard.seg->set_halted(false));
    CHECK_FALSE(guard.seg->halt().halted);
    CHECK_FALSE(std::filesystem::exists(guard.seg->halt_file()));
    CHECK_FALSE(guard.seg->restore_persisted_halt());
}

TEST_CASE("commands: post, take, finish, release; a dead taker's command is taken over",
          "[unit][shm]") {
    testing::temp_segment ts;
    auto ctl = segment::create_or_attach(ts.name, role::none, ts.options());
    REQUIRE(ctl.ok());
    const auto posted = ctl.seg->post_command(command_kind::exit_position, {5, 7});
    REQUIRE(posted.ok);
    auto v = ctl.seg->read_command(posted.entry);
    CHECK(v.state == command_state::posted);
    CHECK(v.kind == command_kind::exit_position);
    CHECK(v.target == slot_ref{5, 7});
    CHECK(v.request_id == posted.request_id);
    CHECK_FALSE(ctl.seg->take_command(posted.entry)); // only the guard takes commands
    CHECK_FALSE(ctl.seg->release_command(posted.entry, posted.request_id)); // not done yet
    {
        auto g1 = segment::create_or_attach(ts.name, role::guard, ts.options());
        REQUIRE(g1.ok());
        REQUIRE(g1.seg->take_command(posted.entry));
        CHECK(g1.seg->take_command(posted.entry)); // already its own
        v = ctl.seg->read_command(posted.entry);
        CHECK(v.state == command_state::taken);
        CHECK(v.taker == g1.seg->self());
    } // the guard dies holding the command
    auto g2 = segment::create_or_attach(ts.name, role::guard, ts.options());
    REQUIRE(g2.ok());
    REQUIRE(g2.seg->take_command(posted.entry));
    g2.seg->finish_command(posted.entry, command_result::close_sent, 1, 42);
    v = ctl.seg->read_command(posted.entry);
    CHECK(v.state == command_state::done);
    CHECK(v.result == command_result::close_sent);
    CHECK(v.closes_sent == 1);
    CHECK(v.done_ms == 42);
    CHECK_FALSE(ctl.seg->release_command(posted.entry, posted.request_id + 1));
    CHECK(ctl.seg->release_command(posted.entry, posted.request_id));
    CHECK(ctl.seg->read_command(posted.entry).state == command_state::free);
    // A command no guard took can be withdrawn; a taken one cannot.
    const auto second = ctl.seg->post_command(command_kind::flatten);
    REQUIRE(second.ok);
    CHECK_FALSE(ctl.seg->cancel_command(second.entry, second.request_id + 1));
    CHECK(ctl.seg->cancel_command(second.entry, second.request_id));
    CHECK(ctl.seg->read_command(second.entry).state == command_state::free);
    const auto third = ctl.seg->post_command(command_kind::flatten);
    REQUIRE(g2.seg->take_command(third.entry));
    CHECK_FALSE(ctl.seg->cancel_command(third.entry, third.request_id));
    g2.seg->finish_command(third.entry, command_result::no_position, 0);
    CHECK(ctl.seg->release_command(third.entry, third.request_id));
    // The mailbox fills up and refuses the 17th command.
    for (std::size_t i = 0; i < segment::command_slots(); ++i)
        CHECK(ctl.seg->post_command(command_kind::flatten).ok);
    CHECK_FALSE(ctl.seg->post_command(command_kind::flatten).ok);
}
