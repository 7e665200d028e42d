// A media file opened with libavformat, shared by probing and decoding: the container parsed,
// its video stream chosen, and every failure turned into one reel::Error naming the file.
// Internal to src/media.
//
//   MediaInput in = open_media_input(path);
//   // in.format: the demuxer's context; in.video: the stream to read (other streams discarded)
#pragma once

#include <filesystem>

#include "media/ffmpeg_handles.h"

namespace reel {

struct MediaInput {
  ffmpeg::InputContext format;
  AVStream* video = nullptr;  // owned by `format`
  // A still image read through FFmpeg's image demuxers (png, jpeg, webp, bmp, ...). An
  // animated gif has a demuxer of its own and is a video.
  bool is_image = false;
};

// Throws reel::Error naming `path`: "not a media file FFmpeg can read: moov atom not found
// (...)", "no video stream", or the system's reason ("No such file or directory").
MediaInput open_media_input(const std::filesystem::path& path);

}  // namespace reel
