// Test helpers for the segment: a unique segment name removed (with its role lock files) at scope
// exit, default options pointing at a temp rundir, and the paths of the helper binaries.
#pragma once

#include "shm_layout/segment.hpp"
#include "tests/support/net_util.hpp"

#include <string>

namespace scalpel::shm::testing {

struct temp_segment {
    scalpel::test::temp_dir dir;
    std::string name = scalpel::test::unique_name("scalpel.test");
    temp_segment() { segment::remove(name); }
    ~temp_segment() { segment::remove(name); }
    temp_segment(const temp_segment&) = delete;
    temp_segment& operator=(const temp_segment&) = delete;

    [[nodiscard]] open_options options() const {
        open_options o;
        o.rundir = dir.path();
        o.account_tag = "sctest";
        o.init_timeout = std::chrono::milliseconds(3000);
        o.lock_timeout = std::chrono::milliseconds(3000);
        o.stale_after = std::chrono::milliseconds(300);
        o.populate = false;
        return o;
    }
};

inline std::string shm_child_path() {
    return SCALPEL_SHM_CHILD;
}
inline std::string shm_inspect_path() {
    return SCALPEL_SHM_INSPECT;
}

} // namespace scalpel::shm::testing
