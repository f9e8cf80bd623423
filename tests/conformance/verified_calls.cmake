# Verify before act, enforced: no conformance source calls unshare, setns or clone raw,
# where a kernel that says yes and does nothing would go unnoticed. A check uses the
# verified calls (core/ns_id.h) or a child from Child::spawn; a raw call is allowed only
# on the line after a "raw-ok:" comment that says why it is safe.
#   cmake -DSOURCE_DIR=<repo>/conformance -P verified_calls.cmake
file(GLOB_RECURSE sources "${SOURCE_DIR}/*.cpp")
set(offenders "")
foreach(source IN LISTS sources)
  file(STRINGS "${source}" lines)
  set(previous "")
  set(number 0)
  foreach(line IN LISTS lines)
    math(EXPR number "${number} + 1")
    if(line MATCHES "::(unshare|setns)\\(|SYS_clone[,)]" AND NOT previous MATCHES "raw-ok:")
      string(APPEND offenders "  ${source}:${number}: ${line}\n")
    endif()
    set(previous "${line}")
  endforeach()
endforeach()
if(offenders)
  message(FATAL_ERROR "raw namespace calls (use unshare_verified/setns_verified, or justify with a raw-ok: comment):\n${offenders}")
endif()
