// Samples over the fixture media (shared/fixtures/video_io) for the cache tests.
#pragma once

#include <filesystem>
#include <string>
#include <system_error>

#include "data/sample.h"
#include "test_paths.h"

namespace reel::test {

inline std::filesystem::path video_fixture(const std::string& name) {
  return std::filesystem::path(REEL_FIXTURES_DIR) / "video_io" / name;
}

// The 64x48 fixture clips cut to 48x32 at (8, 8): a window that needs no trimming.
inline SampleGeometry small_geometry() {
  SampleGeometry g;
  g.intermediary_w = 64, g.intermediary_h = 48;
  g.target_w = 48, g.target_h = 32;
  g.crop_x = 8, g.crop_y = 8;
  return g;
}

// A sample of `file` (which need not exist: its identity is then empty).
inline Sample make_sample(const std::filesystem::path& file, const std::string& relative_path,
                          int frames, SampleGeometry geometry = small_geometry()) {
  Sample s;
  std::error_code ec;
  if (std::filesystem::exists(file, ec)) {
    s.file = file_identity(file);
  } else {
    s.file.path = std::filesystem::absolute(file).lexically_normal().string();
  }
  s.relative_path = relative_path;
  s.frames = frames;
  s.geometry = geometry;
  s.captions = {"a caption"};
  return s;
}

}  // namespace reel::test
