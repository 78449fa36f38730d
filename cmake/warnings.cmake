# One INTERFACE target carries the warning set; -Werror when CI is set (simdjson developer mode).
add_library(scalpel_warnings INTERFACE)
add_library(scalpel::warnings ALIAS scalpel_warnings)
target_compile_options(scalpel_warnings INTERFACE -Wall -Wextra -Wpedantic)
if(DEFINED ENV{CI})
  target_compile_options(scalpel_warnings INTERFACE -Werror)
endif()
