#include "train/metrics_log.h"

#include <nlohmann/json.hpp>
#include <sstream>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/log.h"
#include "train/tensorboard_writer.h"

namespace reel {
namespace fs = std::filesystem;
namespace {

// Keeps the lines of steps up to `step`; a torn last line (a crash mid-write) goes too.
void truncate_after(const fs::path& path, int64_t step) {
  std::ifstream in(path);
  if (!in) return;
  std::string kept, line;
  while (std::getline(in, line)) {
    nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.contains("step") || !j["step"].is_number_integer()) continue;
    if (j["step"].get<int64_t>() <= step) kept += line + "\n";
  }
  write_file_atomic(path, kept);
}

}  // namespace

MetricsLog::MetricsLog(const fs::path& output_dir, const std::string& report_to,
                       int64_t resumed_step)
    : jsonl_path_(output_dir / "metrics.jsonl") {
  if (report_to != "none" && report_to != "tensorboard" && report_to != "wandb" &&
      report_to != "all") {
    throw Error("unknown report_to '" + report_to + "'")
        .key("report_to")
        .hint("use none, tensorboard, wandb or all");
  }
  fs::create_directories(output_dir);
  if (resumed_step > 0) {
    truncate_after(jsonl_path_, resumed_step);
  } else {
    std::error_code ec;
    fs::remove(jsonl_path_, ec);
  }
  jsonl_.open(jsonl_path_, std::ios::app);
  if (!jsonl_) throw Error("cannot write the metrics file").file(jsonl_path_.string());
  if (report_to != "none") {
    tensorboard_ = std::make_unique<TensorBoardWriter>(output_dir / "logs");
    if (report_to == "wandb" || report_to == "all") {
      log::warn("report_to ", report_to, ": Reel cannot upload to Weights & Biases; metrics go to ",
                tensorboard_->path().string(), " (`wandb sync --sync-tensorboard` uploads them)");
    }
  }
}

MetricsLog::~MetricsLog() = default;

void MetricsLog::log(int64_t step, const std::vector<std::pair<std::string, double>>& values) {
  nlohmann::json line = {{"step", step}};
  for (const auto& [name, value] : values) {
    line[name] = value;
    if (tensorboard_) tensorboard_->scalar(name, value, step);
  }
  jsonl_ << line.dump() << "\n";
}

void MetricsLog::flush() {
  jsonl_.flush();
  if (tensorboard_) tensorboard_->flush();
}

}  // namespace reel
