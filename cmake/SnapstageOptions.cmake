# SPDX-License-Identifier: MIT
# Project-wide compile options, carried by INTERFACE targets that every project target links.

# Warnings and sanitizers: every project target (firmware, hal, tests, bench, tools).
add_library(snapstage_warnings INTERFACE)
target_compile_options(snapstage_warnings INTERFACE
    -Wall -Wextra -Wshadow -Wconversion -Wsign-conversion -Wnon-virtual-dtor
    -Wold-style-cast -Woverloaded-virtual
    $<$<BOOL:${SNAPSTAGE_WERROR}>:-Werror>)

# 64-bit file offsets on 32-bit Arm too: large files, and readdir() that works on hosts whose
# directory cookies need 64 bits (ext4 under qemu-arm). time_t stays as the distribution builds
# its libraries (Mbed TLS structs hold a time_t), so _TIME_BITS is deliberately not set.
target_compile_definitions(snapstage_warnings INTERFACE _FILE_OFFSET_BITS=64)

if(SNAPSTAGE_SANITIZE)
    target_compile_options(snapstage_warnings INTERFACE
        -fsanitize=${SNAPSTAGE_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
    target_link_options(snapstage_warnings INTERFACE -fsanitize=${SNAPSTAGE_SANITIZE})
endif()

# firmware/ and hal/: no exceptions, no RTTI needed.
add_library(snapstage_firmware_flags INTERFACE)
target_link_libraries(snapstage_firmware_flags INTERFACE snapstage_warnings)
target_compile_options(snapstage_firmware_flags INTERFACE
    $<$<COMPILE_LANGUAGE:CXX>:-fno-exceptions>)

# snapstage_module(NAME SOURCES...): one static library per firmware module.
function(snapstage_module name)
    add_library(${name} STATIC ${ARGN})
    target_link_libraries(${name} PRIVATE snapstage_firmware_flags)
    target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR})
endfunction()
