# Shared build settings: warnings and sanitizers go through one INTERFACE target.
add_library(openrsp_build_flags INTERFACE)
target_compile_features(openrsp_build_flags INTERFACE cxx_std_20)
target_compile_options(openrsp_build_flags INTERFACE -Wall -Wextra -Wpedantic)
if(OPENRSP_WERROR)
    target_compile_options(openrsp_build_flags INTERFACE -Werror)
    # GCC 12 at -O3 reports false positives inside libstdc++ (GCC bugs 105329, 106199, 107852; 107138 for
    # std::optional<std::string> "maybe uninitialized"): warn, don't fail. None is printed today: our code avoids the
    # constructs (appends instead of "x" + std::string(...), core/bytes.h's bytes_order instead of std::less<bytes>).
    if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
        target_compile_options(openrsp_build_flags INTERFACE -Wno-error=restrict -Wno-error=stringop-overread
                                                             -Wno-error=stringop-overflow -Wno-error=array-bounds
                                                             -Wno-error=maybe-uninitialized)
    endif()
endif()
if(OPENRSP_SANITIZE)
    target_compile_options(openrsp_build_flags INTERFACE -fsanitize=address,undefined -fno-omit-frame-pointer
                                                         -fno-sanitize-recover=undefined)
    target_link_options(openrsp_build_flags INTERFACE -fsanitize=address,undefined)
endif()
if(OPENRSP_BUILD_FUZZ)
    # Coverage instrumentation everywhere; only the fuzz executables link libFuzzer's main (-fsanitize=fuzzer).
    target_compile_options(openrsp_build_flags INTERFACE -fsanitize=fuzzer-no-link,address,undefined
                                                         -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
    target_link_options(openrsp_build_flags INTERFACE -fsanitize=address,undefined)
endif()

# openrsp_add_library(name SOURCES ... DEPS ...): static library openrsp_<name>, alias openrsp::<name>.
function(openrsp_add_library name)
    cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
    if(NOT ARG_SOURCES)
        # A component still being written: headers only, so the rest of the tree configures.
        add_library(openrsp_${name} INTERFACE)
        add_library(openrsp::${name} ALIAS openrsp_${name})
        target_include_directories(openrsp_${name} INTERFACE ${PROJECT_SOURCE_DIR}/include)
        target_link_libraries(openrsp_${name} INTERFACE openrsp_build_flags ${ARG_DEPS})
        return()
    endif()
    add_library(openrsp_${name} STATIC ${ARG_SOURCES})
    add_library(openrsp::${name} ALIAS openrsp_${name})
    target_include_directories(openrsp_${name} PUBLIC ${PROJECT_SOURCE_DIR}/include)
    target_link_libraries(openrsp_${name} PUBLIC openrsp_build_flags ${ARG_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
endfunction()

# openrsp_add_test(name SOURCES ... DEPS ... [LABELS ...]): one gtest binary per component.
function(openrsp_add_test name)
    cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;LABELS" ${ARGN})
    add_executable(${name} ${ARG_SOURCES})
    target_link_libraries(${name} PRIVATE openrsp_build_flags ${ARG_DEPS} GTest::gtest GTest::gtest_main)
    target_compile_definitions(${name} PRIVATE OPENRSP_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
    gtest_discover_tests(${name} PROPERTIES LABELS "${ARG_LABELS}" DISCOVERY_TIMEOUT 60)
endfunction()
