// One zstd frame holding a whole byte string: how compressed cache entries are stored. The
// frame records its content size and a checksum, so a file cut short or damaged is detected
// when it is read, never decoded into wrong bytes.
#pragma once

#include <string>
#include <string_view>

namespace reel {

// Compresses `bytes` at `level` (1-19; 3 is zstd's default trade-off).
std::string zstd_compress(std::string_view bytes, int level = 3);

// The bytes of the frame. Throws reel::Error naming `name` (the file) when it is not one
// complete, intact zstd frame.
std::string zstd_decompress(std::string_view frame, const std::string& name);

}  // namespace reel
