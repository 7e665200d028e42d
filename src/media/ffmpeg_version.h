// The FFmpeg libraries Reel decodes and encodes media with, for `reel --version` and bug
// reports: which codecs a user's clips meet depends on them.
#pragma once

#include <string>

namespace reel {

// "libavformat 59.27.100, libavcodec 59.37.100, ..." as loaded at run time.
std::string ffmpeg_version();

}  // namespace reel
