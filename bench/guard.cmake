# guard_bench: tick-in → order-bytes-out latency of the guard's real tick handler (frames parsed,
# real segment, fake socket sink) over ≥ 100 000 ticks, plus the PH reaction time against okx_sim
# (the simulator's receive time of the close order minus the time the triggering price was set)
# when the okx_sim and guard_proc binaries and the test support are built. Prints figures only.
if(TARGET scalpel::guard)
  add_executable(guard_bench ${CMAKE_CURRENT_LIST_DIR}/guard_bench.cpp)
  target_link_libraries(guard_bench PRIVATE scalpel::guard scalpel::warnings)
  # bench/ is configured before tests/, so the test support sources are compiled in directly.
  if(TARGET okx_sim AND EXISTS ${PROJECT_SOURCE_DIR}/tests/support/child_process.cpp)
    target_sources(guard_bench PRIVATE ${PROJECT_SOURCE_DIR}/tests/guard_proc/sim_rig.cpp
                   ${PROJECT_SOURCE_DIR}/tests/support/child_process.cpp ${PROJECT_SOURCE_DIR}/tests/support/net_util.cpp)
    target_link_libraries(guard_bench PRIVATE simdjson::simdjson)
    target_compile_definitions(guard_bench PRIVATE SCALPEL_GUARD_BENCH_E2E SCALPEL_BINARY_DIR="${PROJECT_BINARY_DIR}")
    add_dependencies(guard_bench okx_sim guard_proc)
  endif()
endif()
