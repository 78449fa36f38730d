# backtest_bench: ticks/s of the guard's exit path (OCO check + strategy::decide_exit) over real
# prints and path-model ticks, and the wall time of the default 30-day OKX replay. Prints figures.
if(TARGET scalpel::backtest)
  add_executable(backtest_bench ${CMAKE_CURRENT_LIST_DIR}/backtest_bench.cpp)
  target_link_libraries(backtest_bench PRIVATE scalpel::backtest scalpel::warnings)
endif()
