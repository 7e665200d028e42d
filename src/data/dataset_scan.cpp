#include "data/dataset_scan.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "core/error.h"
#include "core/log.h"
#include "core/progress.h"
#include "data/aspect_bucket.h"
#include "data/captions.h"
#include "data/media_discovery.h"
#include "data/metadata_cache.h"
#include "data/stable_random.h"

namespace fs = std::filesystem;

namespace reel {
namespace {

// One discovered file on its way through the scan.
struct Candidate {
  std::string rel;
  fs::path path;
  std::optional<FileIdentity> id;
  std::optional<MediaInfo> info;
  std::string unreadable;
  std::optional<int64_t> decodable_frames;  // found by an earlier cache fill
};

bool is_video_dataset(const DatasetConfig& d) {
  return d.dataset_type == DatasetType::kVideo || d.video.has_value();
}

std::string plural(int64_t n, const std::string& one, const std::string& many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

// max_num_samples: ST's deterministic subset (_apply_max_num_samples_limit), seeded by the
// dataset id so that every run trains on the same files.
void limit_files(const DatasetConfig& d, std::vector<std::string>& files) {
  if (!d.max_num_samples || files.size() <= static_cast<size_t>(*d.max_num_samples)) return;
  const size_t total = files.size();
  StableRandom rng({stable_hash(d.id)});
  rng.shuffle(files);
  files.resize(static_cast<size_t>(std::max(*d.max_num_samples, 0)));
  std::sort(files.begin(), files.end());
  log::info("dataset ", d.id, ": max_num_samples ", *d.max_num_samples, " keeps ", files.size(),
            " of ", total, " files");
}

class Scanner {
 public:
  Scanner(const DatasetConfig& d, const ScanOptions& o)
      : d_(d),
        o_(o),
        video_(is_video_dataset(d)),
        bucketer_(bucket_settings(d, o.aspect_bucket_alignment, o.aspect_bucket_rounding)),
        cache_(d.id) {
    scan_.dataset_id = d.id;
  }

  DatasetScan run();

 private:
  std::vector<Candidate> discover();
  void probe(std::vector<Candidate>& files);
  void classify(Candidate& c);
  void skip(const Candidate& c, SkipReason reason, const std::string& detail, bool unwanted);
  void drop_small_buckets();
  [[noreturn]] void no_samples() const;

  const DatasetConfig& d_;
  const ScanOptions& o_;
  const bool video_;
  AspectBucketer bucketer_;
  MetadataCache previous_, cache_;
  DatasetScan scan_;
  // Buckets dropped for being smaller than one step: key -> sample count.
  std::map<std::string, int64_t> dropped_buckets_;
};

std::vector<Candidate> Scanner::discover() {
  const fs::path root = d_.instance_data_dir;
  if (d_.instance_data_dir.empty()) {
    throw Error("dataset " + d_.id + " has no instance_data_dir")
        .file(d_.source)
        .key("instance_data_dir")
        .hint("set instance_data_dir to the folder that holds the dataset's media files");
  }
  std::error_code ec;
  if (!fs::is_directory(root, ec)) {
    throw Error("instance_data_dir " + root.string() + " of dataset " + d_.id +
                (fs::exists(root, ec) ? " is not a folder" : " does not exist"))
        .file(d_.source)
        .key("instance_data_dir")
        .hint("point instance_data_dir at the folder that holds the dataset's media files");
  }
  std::vector<fs::path> exclude = {o_.metadata_path};
  if (!d_.cache_dir_vae.empty()) exclude.emplace_back(d_.cache_dir_vae);
  const MediaKind kind = video_ ? MediaKind::kVideo : MediaKind::kImage;
  std::vector<std::string> rels = discover_media(root, kind, exclude);
  scan_.files_found = static_cast<int64_t>(rels.size());
  if (rels.empty()) {
    throw Error("no samples detected in dataset " + d_.id + ": no " + (video_ ? "video" : "image") +
                " files under " + root.string() + " (looked for " + extension_list(kind) +
                ", in any letter case, in every subfolder)")
        .file(d_.source)
        .key("instance_data_dir")
        .hint(
            "put the dataset's files there, or point instance_data_dir at the folder that holds "
            "them");
  }
  limit_files(d_, rels);
  std::vector<Candidate> files;
  files.reserve(rels.size());
  for (auto& rel : rels) {
    Candidate c;
    c.path = root / rel;
    c.rel = std::move(rel);
    files.push_back(std::move(c));
  }
  return files;
}

void Scanner::probe(std::vector<Candidate>& files) {
  std::vector<Candidate*> to_probe;
  for (auto& c : files) {
    try {
      c.id = file_identity(c.path);
    } catch (const Error& e) {
      c.unreadable = e.message();
      continue;
    }
    if (const MetadataEntry* e = previous_.unchanged(c.rel, *c.id)) {
      c.info = e->info;
      c.unreadable = e->unreadable;
      c.decodable_frames = e->decodable_frames;
    } else {
      to_probe.push_back(&c);
    }
  }
  std::optional<Progress> progress;
  if (o_.show_progress && !to_probe.empty()) {
    progress.emplace("probing " + d_.id, static_cast<int64_t>(to_probe.size()), "file");
  }
  for (Candidate* c : to_probe) {
    try {
      c->info = o_.probe ? o_.probe(c->path) : probe_media(c->path);
    } catch (const Error& e) {
      c->unreadable = e.message();
    } catch (const std::exception& e) {
      c->unreadable = e.what();
    }
    ++scan_.probed;
    if (progress) progress->advance();
  }
  if (progress) progress->finish();
}

void Scanner::skip(const Candidate& c, SkipReason reason, const std::string& detail,
                   bool unwanted) {
  log::info("skipping ", c.path.string(), ": ", to_string(reason), " (", detail, ")");
  scan_.skipped.push_back({c.path.string(), reason, detail});
  const bool remove = (reason == SkipReason::kUnreadable && d_.delete_problematic_images) ||
                      (unwanted && d_.delete_unwanted_images);
  if (remove) {
    std::error_code ec;
    if (fs::remove(c.path, ec)) {
      log::warn("deleted ", c.path.string(), " (", to_string(reason), ": ", detail, ") because ",
                reason == SkipReason::kUnreadable ? "delete_problematic_images"
                                                  : "delete_unwanted_images",
                " is set on dataset ", d_.id);
      cache_.erase(c.rel);
      return;
    }
    log::warn("cannot delete ", c.path.string(), ": ", ec ? ec.message() : "not found");
  }
  if (c.id) {
    MetadataEntry& e = cache_.entry(c.rel);
    e.skipped = to_string(reason);
    e.detail = detail;
  }
}

void Scanner::classify(Candidate& c) {
  if (c.id) {
    MetadataEntry& e = cache_.entry(c.rel);
    e.size = c.id->size;
    e.mtime_ns = c.id->mtime_ns;
    e.info = c.info;
    e.unreadable = c.unreadable;
    e.decodable_frames = c.decodable_frames;
  }
  if (!c.info) return skip(c, SkipReason::kUnreadable, c.unreadable, false);
  const MediaInfo& info = *c.info;

  int frames = 1;
  int bucket_frames = 1;
  if (video_ && d_.video) {
    const VideoConfig& v = *d_.video;
    const int64_t count = std::min(info.frame_count, c.decodable_frames.value_or(INT64_MAX));
    const int usable = round_frames_down_4k1(static_cast<int>(std::min<int64_t>(count, INT32_MAX)));
    auto described = [&] {
      return plural(count, "frame", "frames") +
             (usable != count ? " (" + std::to_string(usable) + " as 4k+1)" : "");
    };
    if (usable < v.min_frames && c.decodable_frames) {
      return skip(c, SkipReason::kTruncated,
                  "only " + described() + " of " + std::to_string(info.frame_count) +
                      " decode, needs at least " + std::to_string(v.min_frames),
                  false);
    }
    if (usable < v.min_frames) {
      return skip(
          c, SkipReason::kTooFewFrames,
          described() + ", needs at least " + std::to_string(v.min_frames) + " (video.min_frames)",
          true);
    }
    if (v.max_frames && usable > *v.max_frames) {
      return skip(c, SkipReason::kTooManyFrames,
                  described() + ", at most " + std::to_string(*v.max_frames) +
                      " allowed (video.max_frames)",
                  true);
    }
    frames = v.num_frames;
    bucket_frames = floor_to_frame_interval(usable, v.frame_interval);
  }

  if (auto small = below_minimum_size(bucketer_.settings(), info.width, info.height)) {
    return skip(c, SkipReason::kTooSmall, *small + " (minimum_image_size)", true);
  }

  SampleCaptions captions = read_captions(d_, c.path);
  if (!captions.problem.empty()) return skip(c, SkipReason::kNoCaption, captions.problem, false);

  StableRandom rng({o_.seed, stable_hash(c.rel)});
  BucketPlacement placed = bucketer_.place(info.width, info.height, rng);
  const SampleGeometry& g = placed.geometry;
  auto aspect_text = [&] {
    return "aspect " + placed.key + " (" + std::to_string(g.target_w) + "x" +
           std::to_string(g.target_h) + ")";
  };
  if (d_.minimum_aspect_ratio && *d_.minimum_aspect_ratio != 0 &&
      placed.aspect < *d_.minimum_aspect_ratio) {
    return skip(
        c, SkipReason::kAspectOutOfRange,
        aspect_text() + " is below minimum_aspect_ratio " + aspect_key(*d_.minimum_aspect_ratio, 2),
        false);
  }
  if (d_.maximum_aspect_ratio && *d_.maximum_aspect_ratio != 0 &&
      placed.aspect > *d_.maximum_aspect_ratio) {
    return skip(
        c, SkipReason::kAspectOutOfRange,
        aspect_text() + " is above maximum_aspect_ratio " + aspect_key(*d_.maximum_aspect_ratio, 2),
        false);
  }

  Sample s;
  s.file = *c.id;
  s.relative_path = c.rel;
  s.info = info;
  s.geometry = g;
  s.frames = frames;
  s.bucket = video_ && d_.video && d_.video->bucket_strategy == BucketStrategy::kResolutionFrames
                 ? resolution_frames_key(g.target_w, g.target_h, bucket_frames)
                 : placed.key;
  s.captions = std::move(captions.captions);

  MetadataEntry& e = cache_.entry(c.rel);
  e.bucket = s.bucket;
  e.geometry = g;
  e.frames = frames;
  scan_.samples.push_back(std::move(s));
}

void Scanner::drop_small_buckets() {
  std::map<std::string, int64_t> counts;
  for (const Sample& s : scan_.samples) ++counts[s.bucket];
  const int64_t passes = static_cast<int64_t>(d_.repeats) + 1;
  const int64_t needed = o_.min_bucket_samples;
  std::set<std::string> drop;
  for (const auto& [bucket, n] : counts) {
    if (n * passes >= needed) continue;
    const std::string arithmetic = plural(n, "sample", "samples") + " x (repeats " +
                                   std::to_string(d_.repeats) +
                                   " + 1) = " + std::to_string(n * passes) + ", below the " +
                                   std::to_string(needed) + " one step takes";
    if (o_.allow_dataset_oversubscription) {
      log::warn("dataset ", d_.id, ": bucket ", bucket, " holds ", arithmetic,
                "; allow_dataset_oversubscription repeats its samples to fill it");
      continue;
    }
    log::warn("dataset ", d_.id, ": dropping bucket ", bucket, ": ", arithmetic,
              " (train_batch_size x world size x gradient_accumulation_steps)");
    drop.insert(bucket);
    dropped_buckets_[bucket] = n;
  }
  if (drop.empty()) return;
  std::vector<Sample> kept;
  for (Sample& s : scan_.samples) {
    if (!drop.count(s.bucket)) {
      kept.push_back(std::move(s));
      continue;
    }
    const int64_t n = counts[s.bucket];
    Candidate c;
    c.rel = s.relative_path;
    c.path = fs::path(d_.instance_data_dir) / s.relative_path;
    c.id = s.file;
    skip(c, SkipReason::kSmallBucket,
         "bucket " + s.bucket + " holds " + plural(n, "sample", "samples") + " x (repeats " +
             std::to_string(d_.repeats) + " + 1) = " + std::to_string(n * passes) + ", below the " +
             std::to_string(needed) + " one step takes",
         false);
  }
  scan_.samples = std::move(kept);
}

void Scanner::no_samples() const {
  std::string message = "no samples detected in dataset " + d_.id;
  std::string hint;
  if (!dropped_buckets_.empty()) {
    const int64_t needed = o_.min_bucket_samples;
    message +=
        ": every bucket holds fewer samples than one optimizer step takes "
        "(train_batch_size x world size x gradient_accumulation_steps = " +
        std::to_string(needed) + "):";
    int64_t min_repeats = 0;
    for (const auto& [bucket, n] : dropped_buckets_) {
      const int64_t passes = static_cast<int64_t>(d_.repeats) + 1;
      message += "\n  bucket " + bucket + ": " + plural(n, "sample", "samples") + " x (repeats " +
                 std::to_string(d_.repeats) + " + 1) = " + std::to_string(n * passes) + " < " +
                 std::to_string(needed);
      min_repeats = std::max(min_repeats, (needed + n - 1) / n - 1);
    }
    hint = "raise `repeats` on dataset " + d_.id + " to at least " + std::to_string(min_repeats) +
           " (currently " + std::to_string(d_.repeats) +
           "), add samples, lower train_batch_size or gradient_accumulation_steps, or set "
           "allow_dataset_oversubscription";
  }
  std::map<std::string, int64_t> reasons;
  for (const auto& f : scan_.skipped) {
    if (f.reason != SkipReason::kSmallBucket) ++reasons[to_string(f.reason)];
  }
  if (!reasons.empty()) {
    message += "\n  skipped before bucketing:";
    for (const auto& [reason, n] : reasons) {
      message += " " + std::to_string(n) + " " + reason + ";";
    }
    message.pop_back();
    message += " (each file is logged with its reason)";
    if (hint.empty()) hint = "fix or replace the skipped files, or relax the dataset's filters";
  }
  Error e(message);
  e.file(d_.source).hint(hint);
  throw e;
}

DatasetScan Scanner::run() {
  std::vector<Candidate> files = discover();
  if (!o_.metadata_path.empty()) previous_ = MetadataCache::load(o_.metadata_path, d_.id);
  probe(files);
  for (Candidate& c : files) classify(c);
  drop_small_buckets();
  for (const Sample& s : scan_.samples) ++scan_.bucket_counts[s.bucket];
  if (!o_.metadata_path.empty()) cache_.save(o_.metadata_path);
  log::info("dataset ", d_.id, ": ", plural(scan_.files_found, "file", "files"), ", ", scan_.probed,
            " probed, ", plural(scan_.samples.size(), "sample", "samples"), " in ",
            plural(scan_.bucket_counts.size(), "bucket", "buckets"), ", ", scan_.skipped.size(),
            " skipped");
  if (scan_.samples.empty()) no_samples();
  return std::move(scan_);
}

}  // namespace

DatasetScan scan_dataset(const DatasetConfig& dataset, const ScanOptions& options) {
  return Scanner(dataset, options).run();
}

}  // namespace reel
