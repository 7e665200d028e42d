#include "data/metadata_cache.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <iterator>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/log.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace reel {
namespace {

constexpr const char* kFormat = "reel-dataset-metadata";

json to_json(const MediaInfo& m) {
  return {{"kind", m.kind == MediaKind::kVideo ? "video" : "image"},
          {"width", m.width},
          {"height", m.height},
          {"rotation", m.rotation},
          {"frame_count", m.frame_count},
          {"fps", m.fps},
          {"duration_s", m.duration_s},
          {"codec", m.codec},
          {"has_audio", m.has_audio}};
}

MediaInfo media_info_from(const json& j) {
  MediaInfo m;
  const std::string kind = j.at("kind").get<std::string>();
  if (kind != "video" && kind != "image") throw std::runtime_error("unknown kind '" + kind + "'");
  m.kind = kind == "video" ? MediaKind::kVideo : MediaKind::kImage;
  m.width = j.at("width").get<int>();
  m.height = j.at("height").get<int>();
  m.rotation = j.at("rotation").get<int>();
  m.frame_count = j.at("frame_count").get<int64_t>();
  m.fps = j.at("fps").get<double>();
  m.duration_s = j.at("duration_s").get<double>();
  m.codec = j.at("codec").get<std::string>();
  m.has_audio = j.at("has_audio").get<bool>();
  return m;
}

json to_json(const SampleGeometry& g) {
  return {{"target", {g.target_w, g.target_h}},
          {"intermediary", {g.intermediary_w, g.intermediary_h}},
          {"crop", {g.crop_x, g.crop_y}}};
}

json to_json(const MetadataEntry& e) {
  json j = {{"size", e.size}, {"mtime_ns", e.mtime_ns}};
  if (e.info) {
    j["probe"] = to_json(*e.info);
  } else {
    j["unreadable"] = e.unreadable;
  }
  if (e.decodable_frames) j["decodable_frames"] = *e.decodable_frames;
  if (!e.bucket.empty()) j["bucket"] = e.bucket;
  if (e.frames > 0) j["frames"] = e.frames;
  if (e.geometry) j["geometry"] = to_json(*e.geometry);
  if (!e.skipped.empty()) j["skipped"] = e.skipped;
  if (!e.detail.empty()) j["detail"] = e.detail;
  return j;
}

// Only what a later scan relies on is read back: identity and probe result.
MetadataEntry entry_from(const json& j) {
  MetadataEntry e;
  e.size = j.at("size").get<uint64_t>();
  e.mtime_ns = j.at("mtime_ns").get<int64_t>();
  if (j.contains("probe")) {
    e.info = media_info_from(j.at("probe"));
  } else {
    e.unreadable = j.at("unreadable").get<std::string>();
  }
  if (j.contains("decodable_frames")) e.decodable_frames = j.at("decodable_frames").get<int64_t>();
  return e;
}

}  // namespace

MetadataCache MetadataCache::load(const fs::path& path, const std::string& dataset_id) {
  MetadataCache cache(dataset_id);
  std::error_code ec;
  if (!fs::exists(path, ec)) return cache;
  auto ignore = [&](const std::string& why) {
    log::warn("ignoring the metadata cache ", path.string(), " (", why, "); every file of dataset ",
              dataset_id, " is probed again and the file rewritten");
    return MetadataCache(dataset_id);
  };
  std::ifstream in(path, std::ios::binary);
  if (!in) return ignore("cannot be read");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return ignore("not valid JSON");
  try {
    if (!j.is_object() || j.value("format", "") != kFormat) {
      return ignore("not a Reel metadata file");
    }
    if (!j.contains("version") || j["version"] != kVersion) {
      return ignore("version " + (j.contains("version") ? j["version"].dump() : "none") +
                    ", this Reel reads version " + std::to_string(kVersion));
    }
    if (j.value("dataset", "") != dataset_id) {
      return ignore("it belongs to dataset '" + j.value("dataset", "") + "'");
    }
    for (const auto& [rel, value] : j.at("files").items()) cache.files_[rel] = entry_from(value);
  } catch (const std::exception& e) {
    return ignore(std::string("malformed: ") + e.what());
  }
  return cache;
}

void MetadataCache::save(const fs::path& path) const {
  json files = json::object();
  for (const auto& [rel, e] : files_) files[rel] = to_json(e);
  json j = {{"format", kFormat},
            {"version", kVersion},
            {"dataset", dataset_id_},
            {"files", std::move(files)}};
  std::error_code ec;
  if (path.has_parent_path()) fs::create_directories(path.parent_path(), ec);
  if (ec) {
    throw Error("cannot create the folder of the metadata cache: " + ec.message())
        .file(path.string());
  }
  write_file_atomic(path, j.dump(1) + "\n");
}

const MetadataEntry* MetadataCache::unchanged(const std::string& relative_path,
                                              const FileIdentity& id) const {
  auto it = files_.find(relative_path);
  if (it == files_.end() || !it->second.matches(id)) return nullptr;
  return &it->second;
}

void remember_decode_failures(const fs::path& path, const std::string& dataset_id,
                              const std::vector<Sample>& samples,
                              const std::vector<SkippedFile>& failures) {
  if (failures.empty() || path.empty()) return;
  MetadataCache cache = MetadataCache::load(path, dataset_id);
  for (const SkippedFile& failure : failures) {
    for (const Sample& sample : samples) {
      if (sample.file.path != failure.path) continue;
      if (!cache.unchanged(sample.relative_path, sample.file)) continue;
      MetadataEntry& e = cache.entry(sample.relative_path);
      if (failure.reason == SkipReason::kTruncated && failure.decodable_frames >= 0) {
        e.decodable_frames = failure.decodable_frames;
      } else {
        e.info.reset();
        e.unreadable = failure.detail;
      }
      e.skipped = to_string(failure.reason);
      e.detail = failure.detail;
    }
  }
  cache.save(path);
}

}  // namespace reel
