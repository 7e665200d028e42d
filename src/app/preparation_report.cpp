#include "app/preparation_report.h"

#include <cstdio>
#include <map>
#include <sstream>

namespace reel {
namespace {

void row(std::ostringstream& out, const std::string& label, const std::string& value) {
  out << "  " << label << std::string(label.size() < 14 ? 14 - label.size() : 1, ' ') << value
      << "\n";
}

std::string cache_line(int64_t entries, int64_t encoded, uint64_t bytes, const std::string& dir) {
  std::ostringstream s;
  s << entries << " (" << encoded << " encoded now), " << format_bytes(bytes) << " in " << dir;
  return s.str();
}

void dataset(std::ostringstream& out, const DatasetPreparation& d) {
  out << "dataset " << d.config->id << " (" << to_string(d.config->dataset_type) << ", "
      << d.config->instance_data_dir << ")\n";
  row(out, "files found", std::to_string(d.scan.files_found));
  row(out, "used", std::to_string(d.scan.samples.size()));
  std::map<std::string, int64_t> reasons;
  for (const SkippedFile& f : d.scan.skipped) ++reasons[to_string(f.reason)];
  std::string skipped = std::to_string(d.scan.skipped.size());
  std::string sep = " (";
  for (const auto& [reason, n] : reasons)
    skipped += sep + reason + " " + std::to_string(n), sep = ", ";
  row(out, "skipped", skipped + (reasons.empty() ? "" : ")"));
  // The files themselves, so a user can act on them without searching the log.
  constexpr size_t kListed = 10;
  for (size_t i = 0; i < d.scan.skipped.size() && i < kListed; ++i) {
    const SkippedFile& f = d.scan.skipped[i];
    out << "    " << f.path << ": " << to_string(f.reason) << " (" << f.detail << ")\n";
  }
  if (d.scan.skipped.size() > kListed)
    out << "    ... and " << d.scan.skipped.size() - kListed << " more (see the log)\n";
  std::string buckets;
  for (const auto& [bucket, n] : d.scan.bucket_counts)
    buckets += (buckets.empty() ? "" : ", ") + bucket + " x" + std::to_string(n);
  row(out, "buckets", buckets.empty() ? "none" : buckets);
  if (!d.error.empty()) {
    row(out, "error", d.error);
    return;
  }
  const auto used = static_cast<int64_t>(d.scan.samples.size());
  if (d.latents_deferred) {
    row(out, "latents", "encoded during training");
  } else if (!d.latent_dir.empty()) {
    row(out, "latents", cache_line(used, d.latents_encoded, d.latent_bytes, d.latent_dir));
  }
  if (!d.image_embed_dir.empty()) {
    row(out, "image embeds",
        cache_line(used, d.image_embeds_encoded, d.image_embed_bytes, d.image_embed_dir));
  }
}

}  // namespace

std::string format_bytes(uint64_t bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024 && u < 4) v /= 1024, ++u;
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
  return buf;
}

std::string format_preparation(const Preparation& p) {
  std::ostringstream out;
  for (const DatasetPreparation& d : p.datasets) dataset(out, d);
  for (const TextEmbedPreparation& t : p.text_embeds) {
    out << "text embeds " << t.config->id << "\n";
    row(out, "captions", cache_line(t.captions, t.encoded, t.bytes, t.config->cache_dir));
  }
  return out.str();
}

}  // namespace reel
