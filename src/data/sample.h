// One training sample as the data pipeline sees it after discovery, probing and bucketing:
// where it is, what it holds, which bucket it falls in and how its pixels are cut to the
// bucket's size. The metadata cache stores these; the caches and the sampler consume them.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "media/media_info.h"

namespace reel {

// What identifies a file's content cheaply: a change of any field means "probe again".
struct FileIdentity {
  std::string path;  // absolute, lexically normal
  uint64_t size = 0;
  int64_t mtime_ns = 0;

  bool operator==(const FileIdentity& o) const {
    return path == o.path && size == o.size && mtime_ns == o.mtime_ns;
  }
  bool operator!=(const FileIdentity& o) const { return !(*this == o); }
};

// Reads size and mtime; throws reel::Error naming the file when it cannot be stat'ed.
FileIdentity file_identity(const std::filesystem::path& path);

// How the source pixels become the bucket's pixels (spec/dataloader.md §2): resize, keeping
// the aspect ratio, to intermediary_w x intermediary_h (covering the target), then cut the
// target_w x target_h window at (crop_x, crop_y).
struct SampleGeometry {
  int target_w = 0, target_h = 0;
  int intermediary_w = 0, intermediary_h = 0;
  int crop_x = 0, crop_y = 0;
};

struct Sample {
  FileIdentity file;
  std::string relative_path;  // relative to the dataset's instance_data_dir, '/'-separated
  MediaInfo info;
  SampleGeometry geometry;
  int frames = 1;      // frames of the training clip: the first `frames` of the file; images 1
  std::string bucket;  // "1.82" (aspect_ratio strategy), "640x352@73" (resolution_frames)
  // Every caption this sample may be trained with (several for a multi-line text file, one
  // chosen per use; the instance prompts of `instanceprompt`). Never empty for a used sample.
  std::vector<std::string> captions;
};

enum class SkipReason {
  kUnreadable,        // cannot be opened or decoded at all
  kTruncated,         // decodes fewer frames than needed
  kTooFewFrames,      // below min_frames
  kTooManyFrames,     // above max_frames
  kTooSmall,          // below minimum_image_size
  kAspectOutOfRange,  // outside minimum/maximum_aspect_ratio
  kNoCaption,         // textfile strategy without its .txt, or an empty caption
  kSmallBucket,       // its bucket holds fewer samples than one batch needs
};

// "unreadable", "truncated", "too few frames", ... for tables and logs.
const char* to_string(SkipReason reason);

struct SkippedFile {
  std::string path;
  SkipReason reason = SkipReason::kUnreadable;
  std::string detail;  // "12 frames, needs at least 73", the decoder's message, ...
  // kTruncated found while decoding: how many frames do decode (-1: not known).
  int64_t decodable_frames = -1;
};

}  // namespace reel
