# How every target is compiled, decided in one place after all targets exist
# (nsm_apply_build_flavours, called last by the top-level CMakeLists.txt). A new target gets
# the right flavour without asking for it.
#
# Where the time of a clean build goes (measured, docs/architecture.md "Building"): not in
# our code but in the third-party headers every file includes — parsing GoogleTest,
# nlohmann-json and fmt, then instantiating and optimising their templates again in each
# translation unit. Three means, each paying for itself:
#
#  - Precompiled headers: those headers are parsed once per flavour (below), not once per
#    file. One PCH per flavour, reused by every target of that flavour (REUSE_FROM): GCC
#    accepts a PCH only with the same code-generation options, hence one per flavour.
#  - Unity builds: a target's files are compiled a few at a time as one translation unit,
#    so the templates they share are instantiated and optimised once. Files must therefore
#    not define the same name in an anonymous namespace (the compiler says so at once).
#  - Test code is not optimised and carries line tables only (NSM_TEST_FLAGS): it runs
#    fast enough, and -O2 -g on GoogleTest's macros costs the most of all. The code under
#    test keeps the build type's flags (its libraries are the product's).
#
# Flavours:
#   code   product code (libraries, nsmatrix, nsmatrix-bench, nsmatrix-init): the build
#          type's flags; PCH of the standard library, fmt and nlohmann-json.
#   suite  product code on GoogleTest (the conformance harness and nsmatrix-conformance):
#          the same flags; PCH with GoogleTest.
#   test   everything under tests/: NSM_TEST_FLAGS; PCH with GoogleTest.
# CMAKE_DISABLE_PRECOMPILE_HEADERS=ON and NSM_UNITY_BUILD=OFF turn the two off (clang-tidy
# runs that way: it reads every file as written, and proves each includes what it uses).

# ccache is the developer's choice (CMAKE_CXX_COMPILER_LAUNCHER=ccache): a clean build, as
# in CI, gains nothing from it. It caches a file compiled with a precompiled header only
# when told these differences do not matter, so a ccache launcher is given them here.
if(CMAKE_CXX_COMPILER_LAUNCHER MATCHES "ccache$" AND NOT CMAKE_CXX_COMPILER_LAUNCHER MATCHES "SLOPPINESS")
  set(CMAKE_CXX_COMPILER_LAUNCHER /usr/bin/env CCACHE_SLOPPINESS=pch_defines,time_macros,include_file_mtime,include_file_ctime
      ${CMAKE_CXX_COMPILER_LAUNCHER})
endif()

set(NSM_TEST_FLAGS "-O0;-g1" CACHE STRING "Compile options of the test code under tests/ (after the build type's)")
option(NSM_UNITY_BUILD "Compile each target's files a few at a time (unity build)" ON)

set(NSM_PCH_CODE_HEADERS
  <algorithm> <array> <chrono> <cstdint> <cstdio> <cstdlib> <cstring> <filesystem> <fstream>
  <functional> <map> <memory> <optional> <set> <stdexcept> <string> <string_view> <utility> <vector>
  <fmt/format.h> <nlohmann/json.hpp>)
set(NSM_PCH_GTEST_HEADERS ${NSM_PCH_CODE_HEADERS} <gtest/gtest.h>)

# The targets that own each flavour's PCH: compiled once, reused by the others.
set(_nsm_pch_source ${CMAKE_CURRENT_LIST_DIR}/pch.cpp)
add_library(nsm_pch_code OBJECT ${_nsm_pch_source})
target_link_libraries(nsm_pch_code PRIVATE fmt::fmt nlohmann_json::nlohmann_json)
target_precompile_headers(nsm_pch_code PRIVATE ${NSM_PCH_CODE_HEADERS})

add_library(nsm_pch_suite OBJECT ${_nsm_pch_source})
target_link_libraries(nsm_pch_suite PRIVATE fmt::fmt nlohmann_json::nlohmann_json GTest::gtest)
target_precompile_headers(nsm_pch_suite PRIVATE ${NSM_PCH_GTEST_HEADERS})

add_library(nsm_pch_test OBJECT ${_nsm_pch_source})
target_link_libraries(nsm_pch_test PRIVATE fmt::fmt nlohmann_json::nlohmann_json GTest::gtest)
target_precompile_headers(nsm_pch_test PRIVATE ${NSM_PCH_GTEST_HEADERS})
target_compile_options(nsm_pch_test PRIVATE ${NSM_TEST_FLAGS})

# Every buildable target below `dir`.
function(_nsm_targets_below dir out)
  get_property(targets DIRECTORY ${dir} PROPERTY BUILDSYSTEM_TARGETS)
  get_property(subdirs DIRECTORY ${dir} PROPERTY SUBDIRECTORIES)
  foreach(sub IN LISTS subdirs)
    _nsm_targets_below(${sub} more)
    list(APPEND targets ${more})
  endforeach()
  set(${out} ${targets} PARENT_SCOPE)
endfunction()

# Whether `target` compiles against GoogleTest (directly or through the conformance harness).
function(_nsm_uses_gtest target out)
  get_target_property(libs ${target} LINK_LIBRARIES)
  set(uses OFF)
  foreach(lib IN LISTS libs)
    if(lib MATCHES "^GTest::" OR lib STREQUAL "nsm_conformance_harness")
      set(uses ON)
    endif()
  endforeach()
  set(${out} ${uses} PARENT_SCOPE)
endfunction()

function(nsm_apply_build_flavours)
  _nsm_targets_below(${PROJECT_SOURCE_DIR} targets)
  foreach(target IN LISTS targets)
    get_target_property(type ${target} TYPE)
    if(NOT type MATCHES "^(STATIC_LIBRARY|EXECUTABLE|OBJECT_LIBRARY)$" OR target MATCHES "^nsm_pch_")
      continue()
    endif()
    get_target_property(dir ${target} SOURCE_DIR)
    _nsm_uses_gtest(${target} gtest)
    if(dir MATCHES "^${PROJECT_SOURCE_DIR}/tests(/|$)")
      target_compile_options(${target} PRIVATE ${NSM_TEST_FLAGS})
      if(gtest)
        target_precompile_headers(${target} REUSE_FROM nsm_pch_test)
      endif()
    elseif(gtest)
      target_precompile_headers(${target} REUSE_FROM nsm_pch_suite)
    else()
      target_precompile_headers(${target} REUSE_FROM nsm_pch_code)
    endif()
    # A target may keep its files apart (UNITY_BUILD OFF in its CMakeLists.txt).
    get_target_property(unity ${target} UNITY_BUILD)
    if(NSM_UNITY_BUILD AND NOT unity STREQUAL "OFF")
      set_target_properties(${target} PROPERTIES UNITY_BUILD ON UNITY_BUILD_BATCH_SIZE 8)
    endif()
  endforeach()
endfunction()
