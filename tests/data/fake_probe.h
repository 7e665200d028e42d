// A stand-in for probe_media in data tests: what a file holds is written in its name, so a
// test makes a dataset of any shape out of empty files.
//   clip_1920x1080_81f.mp4 -> video 1920x1080, 81 frames
//   photo_640x480.png      -> image 640x480
//   anything with "broken" -> unreadable ("moov atom not found")
// It counts and records its calls, shared by every copy (ScanOptions copies it).
#pragma once

#include <filesystem>
#include <memory>
#include <regex>
#include <string>
#include <vector>

#include "core/error.h"
#include "media/media_info.h"

namespace reel::test {

struct FakeProbe {
  std::shared_ptr<std::vector<std::string>> calls = std::make_shared<std::vector<std::string>>();

  MediaInfo operator()(const std::filesystem::path& path) const {
    const std::string name = path.filename().string();
    calls->push_back(name);
    if (name.find("broken") != std::string::npos) {
      throw Error("moov atom not found").file(path.string());
    }
    static const std::regex size(R"((\d+)x(\d+)(?:_(\d+)f)?)");
    std::smatch m;
    if (!std::regex_search(name, m, size)) throw Error("not a media file").file(path.string());
    MediaInfo info;
    info.width = std::stoi(m[1]);
    info.height = std::stoi(m[2]);
    if (m[3].matched) {
      info.kind = MediaKind::kVideo;
      info.frame_count = std::stoi(m[3]);
      info.fps = 15;
      info.duration_s = info.frame_count / 15.0;
      info.codec = "h264";
    } else {
      info.kind = MediaKind::kImage;
      info.frame_count = 1;
      info.codec = "png";
    }
    return info;
  }

  size_t count() const { return calls->size(); }
  void reset() const { calls->clear(); }
};

}  // namespace reel::test
