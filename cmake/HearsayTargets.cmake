# Compile settings shared by every hearsay target.
add_library(hearsay_compile_options INTERFACE)
target_compile_options(hearsay_compile_options INTERFACE -Wall -Wextra -Wpedantic -Wshadow=local
                       -Wnon-virtual-dtor -Wno-unknown-pragmas)
if(HEARSAY_WARNINGS_AS_ERRORS)
  target_compile_options(hearsay_compile_options INTERFACE -Werror)
endif()
if(HEARSAY_SANITIZE)
  target_compile_options(hearsay_compile_options INTERFACE -fsanitize=${HEARSAY_SANITIZE} -fno-omit-frame-pointer)
  target_link_options(hearsay_compile_options INTERFACE -fsanitize=${HEARSAY_SANITIZE})
endif()
if(HEARSAY_USE_OPENMP)
  target_link_libraries(hearsay_compile_options INTERFACE OpenMP::OpenMP_CXX)
  target_compile_definitions(hearsay_compile_options INTERFACE HEARSAY_HAVE_OPENMP=1)
endif()

# hearsay_add_library(<folder> SOURCES ... [PUBLIC_DEPS ...] [PRIVATE_DEPS ...])
# One library per folder, named hearsay_<folder> with the alias hearsay::<folder>. Include paths
# name the folder (#include "core/audio.h"), so the project root is the include root.
function(hearsay_add_library folder)
  cmake_parse_arguments(ARG "" "" "SOURCES;PUBLIC_DEPS;PRIVATE_DEPS" ${ARGN})
  set(target hearsay_${folder})
  add_library(${target} STATIC ${ARG_SOURCES})
  add_library(hearsay::${folder} ALIAS ${target})
  target_include_directories(${target} PUBLIC $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}>)
  target_link_libraries(${target} PUBLIC ${ARG_PUBLIC_DEPS} PRIVATE ${ARG_PRIVATE_DEPS} hearsay_compile_options)
  set_target_properties(${target} PROPERTIES POSITION_INDEPENDENT_CODE ON)
endfunction()

# hearsay_add_test(<name> SOURCES ... DEPS ...): one GoogleTest executable, discovered before tests run
# (PRE_TEST) so the build does not start every test binary.
function(hearsay_add_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gmock hearsay_compile_options)
  target_compile_definitions(${name} PRIVATE HEARSAY_TEST_DATA_DIR="${PROJECT_SOURCE_DIR}/tests/data")
  gtest_discover_tests(${name} DISCOVERY_MODE PRE_TEST
                       PROPERTIES ENVIRONMENT "OMP_WAIT_POLICY=PASSIVE")
endfunction()
