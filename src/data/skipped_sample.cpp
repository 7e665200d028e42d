#include "data/skipped_sample.h"

#include <string>

#include "core/error.h"
#include "core/log.h"
#include "data/sample_frames.h"

namespace reel {

SkippedFile skipped_sample(const Sample& sample, const std::exception& error) {
  SkippedFile skipped;
  skipped.path = sample.file.path;
  const auto* e = dynamic_cast<const Error*>(&error);
  skipped.detail = e != nullptr ? e->message() : error.what();
  skipped.reason = SkipReason::kUnreadable;
  if (const auto* truncated = dynamic_cast<const TruncatedClip*>(&error)) {
    skipped.reason = SkipReason::kTruncated;
    skipped.decodable_frames = truncated->decoded();
  }
  log::warn("skipping ", skipped.path, " (", to_string(skipped.reason), "): ", skipped.detail);
  return skipped;
}

}  // namespace reel
