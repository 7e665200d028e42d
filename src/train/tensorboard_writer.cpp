// Hand-written because Debian packages neither a CRC-32C library nor a TensorBoard writer,
// and three protobuf fields do not justify protoc-generated code next to libtorch's own
// protobuf.
#include "train/tensorboard_writer.h"

#include <unistd.h>

#include <array>
#include <chrono>
#include <cstring>

#include "core/error.h"

namespace reel {
namespace detail {
namespace {

std::array<uint32_t, 256> crc_table() {
  std::array<uint32_t, 256> table{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
    table[i] = c;
  }
  return table;
}

void varint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

// Field header: number << 3 | wire type (0 varint, 1 64-bit, 2 length-delimited, 5 32-bit).
void key(std::string& out, int field, int wire) {
  varint(out, (uint64_t(field) << 3) | wire);
}

void bytes_field(std::string& out, int field, const std::string& bytes) {
  key(out, field, 2);
  varint(out, bytes.size());
  out += bytes;
}

template <class T>
void fixed_field(std::string& out, int field, T value) {
  static_assert(sizeof(T) == 4 || sizeof(T) == 8, "fixed32 or fixed64");
  key(out, field, sizeof(T) == 8 ? 1 : 5);
  char raw[sizeof(T)];
  std::memcpy(raw, &value, sizeof(T));  // protobuf is little-endian, as is every target here
  out.append(raw, sizeof(T));
}

std::string event_header(double wall_time, int64_t step) {
  std::string event;
  fixed_field(event, 1, wall_time);  // Event.wall_time
  key(event, 2, 0);                  // Event.step
  varint(event, static_cast<uint64_t>(step));
  return event;
}

}  // namespace

uint32_t crc32c(const void* data, size_t n) {
  static const std::array<uint32_t, 256> table = crc_table();
  uint32_t c = 0xFFFFFFFFu;
  const auto* p = static_cast<const unsigned char*>(data);
  for (size_t i = 0; i < n; ++i) c = table[(c ^ p[i]) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

uint32_t masked_crc32c(const void* data, size_t n) {
  const uint32_t c = crc32c(data, n);
  return ((c >> 15) | (c << 17)) + 0xA282EAD8u;
}

std::string scalar_event(const std::string& tag, float value, int64_t step, double wall_time) {
  std::string summary_value;
  bytes_field(summary_value, 1, tag);    // Summary.Value.tag
  fixed_field(summary_value, 2, value);  // Summary.Value.simple_value
  std::string summary;
  bytes_field(summary, 1, summary_value);  // Summary.value
  std::string event = event_header(wall_time, step);
  bytes_field(event, 5, summary);  // Event.summary
  return event;
}

}  // namespace detail

namespace {

double now_seconds() {
  using namespace std::chrono;
  return duration<double>(system_clock::now().time_since_epoch()).count();
}

}  // namespace

TensorBoardWriter::TensorBoardWriter(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  char host[256] = "localhost";
  gethostname(host, sizeof host - 1);
  path_ = dir / ("events.out.tfevents." + std::to_string(static_cast<int64_t>(now_seconds())) +
                 "." + host + ".reel");
  file_ = std::fopen(path_.c_str(), "wb");
  if (!file_) {
    throw Error(std::string("cannot create the TensorBoard event file: ") + std::strerror(errno))
        .file(path_.string());
  }
  std::string first = detail::event_header(now_seconds(), 0);
  detail::bytes_field(first, 3, "brain.Event:2");  // Event.file_version
  write_record(first);
  flush();
}

TensorBoardWriter::~TensorBoardWriter() {
  if (file_) std::fclose(file_);
}

void TensorBoardWriter::scalar(const std::string& tag, double value, int64_t step) {
  write_record(detail::scalar_event(tag, static_cast<float>(value), step, now_seconds()));
}

void TensorBoardWriter::flush() {
  std::fflush(file_);
}

void TensorBoardWriter::write_record(const std::string& event) {
  const uint64_t length = event.size();
  const uint32_t length_crc = detail::masked_crc32c(&length, sizeof length);
  const uint32_t data_crc = detail::masked_crc32c(event.data(), event.size());
  bool ok = std::fwrite(&length, sizeof length, 1, file_) == 1 &&
            std::fwrite(&length_crc, sizeof length_crc, 1, file_) == 1 &&
            std::fwrite(event.data(), 1, event.size(), file_) == event.size() &&
            std::fwrite(&data_crc, sizeof data_crc, 1, file_) == 1;
  if (!ok) throw Error("cannot write the TensorBoard event file").file(path_.string());
}

}  // namespace reel
