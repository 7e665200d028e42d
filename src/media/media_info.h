// What a media file holds, read from its container without decoding the pictures (FFmpeg's
// libavformat; the frame count from the container, else by counting the video packets).
// Images (jpg, png, webp, bmp, ...) go through the same demuxers and are one frame.
//
//   MediaInfo info = probe_media("clips/cat.mp4");
//   // info.width x info.height in display orientation, info.frame_count frames at info.fps
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

namespace reel {

enum class MediaKind { kVideo, kImage };

struct MediaInfo {
  MediaKind kind = MediaKind::kVideo;
  // The size a player shows: rotation metadata already applied (a phone's 1920x1080 stream
  // tagged 90° is 1080 wide, 1920 high here).
  int width = 0;
  int height = 0;
  int rotation = 0;         // clockwise degrees the stream is turned for display: 0/90/180/270
  int64_t frame_count = 0;  // 1 for an image
  double fps = 0;           // average frame rate; 0 for an image
  double duration_s = 0;    // 0 for an image
  std::string codec;        // "h264", "vp9", "png", ...
  bool has_audio = false;
};

// Throws reel::Error naming the file and the reason ("no video stream", "moov atom not
// found", "not a media file", ...) when the file cannot be opened as video or image.
MediaInfo probe_media(const std::filesystem::path& path);

}  // namespace reel
