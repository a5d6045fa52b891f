# GCC 12 at -O3 reports a few false positives from inside libstdc++ in files that are being rewritten in parallel
# (issue 10); until each construct is replaced, the one warning is switched off for that one file, GCC only.
# Everything else keeps every warning, and -Werror (cmake/openrsp.cmake) still only downgrades these kinds to
# warnings, so a new instance shows on screen instead of failing a build. An entry whose file no longer exists is
# skipped: remove it when the file is renamed or rewritten without the construct.
#
# -Wrestrict: GCC bug 105329, the bogus overlap warning in basic_string::_M_replace, reached through
#   operator+(const char*, std::string&&), i.e. `"x" + std::to_string(n)` or `"'" + std::string(v) + ...`.
#   Our own code avoids it by appending (`s += '.'; s += std::to_string(n);`).
# -Wstringop-overread: the memcmp in lexicographical_compare_three_way behind std::vector<unsigned char>'s
#   operator<=> (std::less of a std::map<bytes, ...>), given a length range GCC cannot bound (meta-bug 97048).
if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    return()
endif()

# openrsp_gcc_false_positive(TARGET FILE WARNING): -Wno-WARNING for one source file of TARGET (path from the root).
function(openrsp_gcc_false_positive target file warning)
    if(TARGET ${target} AND EXISTS ${PROJECT_SOURCE_DIR}/${file})
        set_property(SOURCE ${PROJECT_SOURCE_DIR}/${file} TARGET_DIRECTORY ${target} APPEND
                     PROPERTY COMPILE_OPTIONS -Wno-${warning})
    endif()
endfunction()

# "$" + std::to_string(...) in event_statement_sql (line 285 at the time of writing).
openrsp_gcc_false_positive(openrsp_store lib/store/postgres_inventory.cpp restrict)
# "'" + std::string(id) + ... in profile_identifier_tlv and set_nickname (lines 302, 350).
openrsp_gcc_false_positive(openrsp_lpa lib/lpa/es10.cpp restrict)
# (i ? "." : "") + std::to_string(v[i]) in version_text (line 22).
openrsp_gcc_false_positive(openrsp_lpa lib/lpa/es10_chip.cpp restrict)
# "\"" + std::string(display_names[...]) + ... in fields_from_json (line 335).
openrsp_gcc_false_positive(openrsp_smdpp lib/smdpp/import.cpp restrict)
# std::map<bytes, crypto::certificate> (service_impl.h: parsed_certs, verified_eums) inserted into here.
openrsp_gcc_false_positive(openrsp_smdpp lib/smdpp/authentication.cpp stringop-overread)
