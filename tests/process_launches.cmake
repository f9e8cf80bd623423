# One process runner, enforced: no source starts a process (fork, vfork, clone, clone3,
# exec*, posix_spawn, popen, system, or syscall() of one of them) outside the files listed
# in ALLOWED, each with why. Everything else runs a program with core's runner
# (core/exec.h) and creates a child in new namespaces with core's spawner (core/spawn.h).
# Comments, string and character literals are not code; a listed file that no longer
# starts anything is an error too, so that the list stays exact.
#   cmake -DSOURCE_DIR=<repo> -DALLOWED=<list> -P process_launches.cmake
cmake_minimum_required(VERSION 3.25)
file(GLOB_RECURSE sources RELATIVE "${SOURCE_DIR}" "${SOURCE_DIR}/*.cpp" "${SOURCE_DIR}/*.cc" "${SOURCE_DIR}/*.c" "${SOURCE_DIR}/*.h")
# Build trees, and the fixtures that test this script (they launch on purpose).
list(FILTER sources EXCLUDE REGEX "^build/|/fixtures/launches/|^fixtures/launches/")

# The allowed files: one "path  # why" a line; lines starting with # are comments.
set(allowed "")
file(STRINGS "${ALLOWED}" entries)
foreach(entry IN LISTS entries)
  string(REGEX REPLACE "#.*$" "" entry "${entry}")
  string(STRIP "${entry}" entry)
  if(entry)
    list(APPEND allowed "${entry}")
  endif()
endforeach()

set(call "fork|vfork|clone|clone3|execl|execle|execlp|execv|execve|execvp|execvpe|fexecve|execveat|posix_spawn|posix_spawnp|popen|system")
set(launch "(^|[^A-Za-z0-9_.>])(${call})[ \t]*\\(|syscall[ \t]*\\([ \t]*SYS_(clone|clone3|fork|vfork|execve|execveat)[^A-Za-z0-9_]")
set(offenders "")
set(launching "")
foreach(source IN LISTS sources)
  file(READ "${SOURCE_DIR}/${source}" text)
  # One list element per line: first take away what CMake's lists split or nest on, and
  # backslashes (only an escape's length matters below).
  string(REPLACE ";" "," text "${text}")
  string(REPLACE "[" "(" text "${text}")
  string(REPLACE "]" ")" text "${text}")
  string(REPLACE "\\" "/" text "${text}")
  string(REPLACE "\n" ";" lines "${text}")
  set(number 0)
  foreach(line IN LISTS lines)
    math(EXPR number "${number} + 1")
    string(REGEX REPLACE "'(/.|[^'/])'" "''" code "${line}")
    string(REGEX REPLACE "\"(/.|[^\"/])*\"" "\"\"" code "${code}")
    string(REGEX REPLACE "//.*$" "" code "${code}")
    if(code MATCHES "${launch}")
      list(APPEND launching "${source}")
      if(NOT source IN_LIST allowed)
        string(STRIP "${code}" shown)
        string(APPEND offenders "  ${source}:${number}: ${shown}\n")
      endif()
    endif()
  endforeach()
endforeach()

set(stale "")
foreach(entry IN LISTS allowed)
  if(NOT entry IN_LIST launching)
    string(APPEND stale "  ${entry}\n")
  endif()
endforeach()
if(offenders)
  set(offenders "process launches outside the runner: run a program with core/exec.h (run_program), create a \
namespaced child with core/spawn.h, or add the file with its reason to ${ALLOWED}\n${offenders}")
endif()
if(stale)
  set(stale "listed in ${ALLOWED} but starting nothing (take them off the list):\n${stale}")
endif()
if(offenders OR stale)
  message(FATAL_ERROR "${offenders}${stale}")
endif()
