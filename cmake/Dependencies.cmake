# Every dependency is a Debian 12 package (scripts/setup.sh installs them).
find_package(PkgConfig REQUIRED)
pkg_check_modules(libav REQUIRED IMPORTED_TARGET
  libavcodec libavformat libavutil libswresample libswscale)
add_library(stemviz::libav ALIAS PkgConfig::libav)
pkg_check_modules(cairo REQUIRED IMPORTED_TARGET cairo)
pkg_check_modules(pangocairo REQUIRED IMPORTED_TARGET pangocairo)
pkg_check_modules(sndfile REQUIRED IMPORTED_TARGET sndfile)
pkg_check_modules(fftw3 REQUIRED IMPORTED_TARGET fftw3)

find_package(TBB REQUIRED)
find_package(OpenMP REQUIRED)
find_package(fmt REQUIRED)
find_package(CLI11 REQUIRED)
find_package(nlohmann_json REQUIRED)
find_package(OpenSSL REQUIRED COMPONENTS Crypto)
find_package(tomlplusplus REQUIRED)
find_package(muparser REQUIRED)

# Debian's libyuv ships neither a CMake config nor a pkg-config file.
find_path(LIBYUV_INCLUDE_DIR libyuv.h REQUIRED)
find_library(LIBYUV_LIBRARY yuv REQUIRED)
add_library(stemviz::libyuv INTERFACE IMPORTED)
target_include_directories(stemviz::libyuv INTERFACE ${LIBYUV_INCLUDE_DIR})
target_link_libraries(stemviz::libyuv INTERFACE ${LIBYUV_LIBRARY})
