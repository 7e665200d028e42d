// TensorBoard event files: scalars that `tensorboard --logdir` (and wandb's TensorBoard sync)
// reads, written without TensorFlow or protobuf. An event file is a sequence of TFRecords
// (length, masked CRC-32C of the length, data, masked CRC-32C of the data), each holding one
// `Event` protocol buffer; the first carries the file version "brain.Event:2".
//
//   TensorBoardWriter tb(output_dir / "logs");
//   tb.scalar("train_loss", 0.123, step);
#pragma once

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>

namespace reel {

class TensorBoardWriter {
 public:
  // Creates `dir` and a new events.out.tfevents.<seconds>.<host>.reel file in it. Throws
  // reel::Error naming the folder when it cannot be written.
  explicit TensorBoardWriter(const std::filesystem::path& dir);
  ~TensorBoardWriter();
  TensorBoardWriter(const TensorBoardWriter&) = delete;
  TensorBoardWriter& operator=(const TensorBoardWriter&) = delete;

  void scalar(const std::string& tag, double value, int64_t step);
  // Pushes buffered events to the file (a viewer sees them from then on).
  void flush();

  const std::filesystem::path& path() const { return path_; }

 private:
  void write_record(const std::string& event);

  std::filesystem::path path_;
  std::FILE* file_ = nullptr;
};

namespace detail {
// CRC-32C (Castagnoli), as TFRecord uses it; and TFRecord's masking of it.
uint32_t crc32c(const void* data, size_t n);
uint32_t masked_crc32c(const void* data, size_t n);
// The protocol-buffer bytes of an Event with one scalar summary value.
std::string scalar_event(const std::string& tag, float value, int64_t step, double wall_time);
}  // namespace detail

}  // namespace reel
