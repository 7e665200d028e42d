// Where the per-step metrics of a run go (spec/training.md §11): always `metrics.jsonl` in the
// output folder, one JSON object per line ({"step": 12, "train_loss": 0.1, ...}); and
// TensorBoard event files under `logs/` for report_to `tensorboard` or `wandb` (Reel cannot
// upload to wandb; its TensorBoard sync reads these files). report_to `none` keeps only the
// JSON lines, which the web UI and `reel` itself read.
//
//   MetricsLog metrics(output_dir, "tensorboard", resumed_step);
//   metrics.log(step, {{"train_loss", loss}, {"learning_rate", lr}});
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace reel {

class TensorBoardWriter;

class MetricsLog {
 public:
  // A resumed run passes the checkpoint's step: lines of the interrupted run after it are
  // dropped, so the file reads as one uninterrupted run. report_to: none, tensorboard,
  // wandb, all (as ST); anything else throws reel::Error listing these.
  MetricsLog(const std::filesystem::path& output_dir, const std::string& report_to,
             int64_t resumed_step = 0);
  ~MetricsLog();

  void log(int64_t step, const std::vector<std::pair<std::string, double>>& values);
  void flush();

  const std::filesystem::path& jsonl_path() const { return jsonl_path_; }

 private:
  std::filesystem::path jsonl_path_;
  std::ofstream jsonl_;
  std::unique_ptr<TensorBoardWriter> tensorboard_;
};

}  // namespace reel
