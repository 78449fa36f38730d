# SCALPEL_SANITIZE = "" | "address,undefined" | "thread". Applied to every target so the
# whole process (and its shm code) is instrumented the same way.
set(SCALPEL_SANITIZE "" CACHE STRING "Sanitizers: address,undefined | thread")
if(SCALPEL_SANITIZE)
  add_compile_options(-fsanitize=${SCALPEL_SANITIZE} -fno-omit-frame-pointer -g)
  add_link_options(-fsanitize=${SCALPEL_SANITIZE})
  if(SCALPEL_SANITIZE MATCHES "thread")
    add_compile_definitions(SCALPEL_TSAN=1)
  endif()
endif()
