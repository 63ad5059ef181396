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
