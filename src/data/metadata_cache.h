// The metadata cache of one dataset: a JSON file (ScanOptions::metadata_path) that remembers,
// per media file, its identity (size, mtime) and what probing it found, so that the next scan
// probes only new and changed files. Probing does not depend on the dataset's settings, so a
// changed resolution or frame count re-derives every bucket from the cache without probing.
// The derived bucket, geometry and clip length (or why the file was skipped) are written too,
// for people and tools to inspect; a scan never reads them back.
//
//   {"format": "reel-dataset-metadata", "version": 1, "dataset": "clips",
//    "files": {"a/clip.mp4": {"size": 81234, "mtime_ns": 1700000000123456789,
//                             "probe": {"kind": "video", "width": 1920, ...},
//                             "bucket": "1.82", "frames": 73, "geometry": {...}},
//              "broken.mp4": {"size": 10, "mtime_ns": ..., "unreadable": "moov atom not found",
//                             "skipped": "unreadable"}}}
//
// The file is replaced atomically (core/atomic_file.h). A file that is not valid JSON, has
// another format or version, or belongs to another dataset is ignored with a warning and
// rewritten by the next save.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "data/sample.h"

namespace reel {

struct MetadataEntry {
  uint64_t size = 0;
  int64_t mtime_ns = 0;
  std::optional<MediaInfo> info;  // what probing found; unset when the file is unreadable
  std::string unreadable;         // the reason, when info is unset
  // Frames that decode, when decoding (not probing) found the file shorter than its header:
  // a later scan takes this as the file's length. Unset when nothing was found wrong.
  std::optional<int64_t> decodable_frames;

  // Derived by the scan that wrote the file, for inspection only.
  std::string bucket;
  std::optional<SampleGeometry> geometry;
  int frames = 0;
  std::string skipped;  // to_string(SkipReason) when the file was skipped
  std::string detail;

  // Whether the probe result still describes the file with this identity.
  bool matches(const FileIdentity& id) const { return size == id.size && mtime_ns == id.mtime_ns; }
};

class MetadataCache {
 public:
  static constexpr int kVersion = 1;

  MetadataCache() = default;
  explicit MetadataCache(std::string dataset_id) : dataset_id_(std::move(dataset_id)) {}

  // Reads `path`; a missing file is an empty cache, an unusable one an empty cache and one
  // warning naming the file and the reason.
  static MetadataCache load(const std::filesystem::path& path, const std::string& dataset_id);

  // Writes every entry to `path` atomically, creating its folder. Throws reel::Error when the
  // file cannot be written.
  void save(const std::filesystem::path& path) const;

  // The entry of `relative_path` when it describes the file with identity `id`, else nullptr.
  const MetadataEntry* unchanged(const std::string& relative_path, const FileIdentity& id) const;

  MetadataEntry& entry(const std::string& relative_path) { return files_[relative_path]; }
  void erase(const std::string& relative_path) { files_.erase(relative_path); }
  const std::map<std::string, MetadataEntry>& files() const { return files_; }
  const std::string& dataset_id() const { return dataset_id_; }

 private:
  std::string dataset_id_;
  std::map<std::string, MetadataEntry> files_;  // by relative path
};

// Writes into the metadata cache at `path` what filling a cache found out about files that
// probing could not see (a file cut short, one that does not decode at all), so that the next
// scan skips them without decoding them again. Entries whose file changed since are left alone.
void remember_decode_failures(const std::filesystem::path& path, const std::string& dataset_id,
                              const std::vector<Sample>& samples,
                              const std::vector<SkippedFile>& failures);

}  // namespace reel
