# SPDX-License-Identifier: MIT
# Third-party libraries, found the way each ships: pkg-config for libjpeg-turbo and cJSON,
# a Find module for Mbed TLS (Debian's 2.28 ships neither a CMake package nor a .pc file).
# libcamera and libdrm are optional: the libcamera camera backend and the DRM/KMS display backend
# are built when pkg-config finds them for the target (the cross presets look only in the
# target's multiarch folder).
find_package(PkgConfig REQUIRED)
pkg_check_modules(TURBOJPEG REQUIRED IMPORTED_TARGET libturbojpeg)
pkg_check_modules(CJSON REQUIRED IMPORTED_TARGET libcjson)
find_package(MbedTLS REQUIRED)
find_package(Threads REQUIRED)
# Optional: libqrencode draws a QR code of a public result URL on the kiosk's result screen.
pkg_check_modules(QRENCODE IMPORTED_TARGET libqrencode)
if(SNAPSTAGE_LIBCAMERA)
    pkg_check_modules(LIBCAMERA IMPORTED_TARGET libcamera)
endif()
if(SNAPSTAGE_DRM)
    pkg_check_modules(LIBDRM IMPORTED_TARGET libdrm)
endif()
# Optional: libyuv converts and scales camera frames for the kiosk's live preview. Its static
# archive is preferred (Debian's libyuv-dev ships one for every arch): libyuv.so needs the shared
# libstdc++, which snapstage otherwise links statically, and loading both costs every command
# about 1.2 MiB of RSS; the archive adds only the objects used (262 KB on aarch64).
# Debian's package has no .pc file: the archive and header are found by name, pkg-config is the
# fallback for other distributions. Without libyuv the preview runs on the project's own rows.
if(SNAPSTAGE_LIBYUV AND NOT TARGET snapstage_libyuv)
    find_path(LIBYUV_INCLUDE_DIR libyuv.h)
    find_library(LIBYUV_LIBRARY NAMES libyuv.a yuv)
    if(LIBYUV_INCLUDE_DIR AND LIBYUV_LIBRARY)
        add_library(snapstage_libyuv INTERFACE IMPORTED)
        target_include_directories(snapstage_libyuv INTERFACE ${LIBYUV_INCLUDE_DIR})
        target_link_libraries(snapstage_libyuv INTERFACE ${LIBYUV_LIBRARY})
        set(LIBYUV_FOUND TRUE)
    else()
        pkg_check_modules(LIBYUV QUIET IMPORTED_TARGET libyuv)
        if(LIBYUV_FOUND)
            add_library(snapstage_libyuv INTERFACE IMPORTED)
            target_link_libraries(snapstage_libyuv INTERFACE PkgConfig::LIBYUV)
            set(LIBYUV_LIBRARY "${LIBYUV_LINK_LIBRARIES}")
        endif()
    endif()
    if(LIBYUV_FOUND)
        message(STATUS "libyuv: ${LIBYUV_LIBRARY} (live preview)")
    else()
        message(STATUS "libyuv: not found; the live preview uses the project's own rows "
                       "(install libyuv-dev)")
    endif()
endif()
