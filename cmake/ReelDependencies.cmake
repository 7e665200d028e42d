# Everything but libtorch comes from Debian packages (scripts/setup installs them).
find_package(spdlog REQUIRED)
find_package(nlohmann_json 3.10 REQUIRED)
find_package(CLI11 REQUIRED)
find_package(GTest REQUIRED)
find_package(Threads REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(FFMPEG REQUIRED IMPORTED_TARGET libavformat libavcodec libavutil libswscale)
# Cache files: zstd compression and XXH3 keys (src/data).
pkg_check_modules(ZSTD REQUIRED IMPORTED_TARGET libzstd)
pkg_check_modules(XXHASH REQUIRED IMPORTED_TARGET libxxhash)
# The UMT5 tokenizer (models/text). Only libsentencepiece itself: its bundled protobuf-lite
# does not clash with libtorch's (torch exports none of protobuf's own symbols).
pkg_check_modules(SENTENCEPIECE REQUIRED sentencepiece)
find_library(REEL_SENTENCEPIECE_LIBRARY sentencepiece REQUIRED HINTS ${SENTENCEPIECE_LIBRARY_DIRS})
# Webhooks (src/train): Debian's cpp-httplib is a compiled library (the header only declares),
# built with OpenSSL, zlib and brotli; its pkg-config flags define the matching
# CPPHTTPLIB_*_SUPPORT macros, which every includer must share.
pkg_check_modules(HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)
