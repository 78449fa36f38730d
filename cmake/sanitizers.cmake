# SCALPEL_SANITIZE = "" | "address,undefined" | "thread". Applied to every target so the
# whole process (and its shm code) is instrumented the same way.
set(SCALPEL_SANITIZE "" CACHE STRING "Sanitizers: address,undefined | thread")
if(SCALPEL_SANITIZE)
  add_compile_options(-fsanitize=${SCALPEL_SANITIZE} -fno-omit-frame-pointer -g)
  add_link_options(-fsanitize=${SCALPEL_SANITIZE})
  if(SCALPEL_SANITIZE MATCHES "address")
    # GCC 12's -Wmaybe-uninitialized gives false positives under ASan instrumentation inside
    # Boost.Beast's http parser (boost::optional in basic_parser::do_field); -Werror would stop
    # the sanitizer build on a system header.
    add_compile_options(-Wno-maybe-uninitialized)
    add_compile_definitions(SCALPEL_ASAN=1) # tests scale their round counts down
  endif()
  if(SCALPEL_SANITIZE MATCHES "thread")
    add_compile_definitions(SCALPEL_TSAN=1)
  endif()
endif()
