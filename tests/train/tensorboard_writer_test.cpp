// The TensorBoard event file: CRC-32C and TFRecord framing against their published values,
// the Event bytes against the protobuf encoding assembled by hand.
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>

#include "support/temp_dir.h"
#include "train/tensorboard_writer.h"

namespace reel {
namespace {

TEST(TensorBoard, Crc32cKnownAnswers) {
  // The check value of CRC-32C (RFC 3720 B.4 / the "123456789" catalogue entry).
  EXPECT_EQ(detail::crc32c("123456789", 9), 0xE3069283u);
  // RFC 3720 B.4: 32 bytes of zeros.
  const std::string zeros(32, '\0');
  EXPECT_EQ(detail::crc32c(zeros.data(), zeros.size()), 0x8A9136AAu);
  // TFRecord's mask: rotate right by 15, add 0xa282ead8.
  const uint32_t c = 0xE3069283u;
  EXPECT_EQ(detail::masked_crc32c("123456789", 9), ((c >> 15) | (c << 17)) + 0xA282EAD8u);
}

TEST(TensorBoard, ScalarEventIsTheProtobufEncoding) {
  const std::string event = detail::scalar_event("a", 1.0f, 2, 0.0);
  const unsigned char expected[] = {
      0x09, 0,    0,    0,    0,    0, 0, 0, 0,  // field 1 (wall_time), fixed64 0.0
      0x10, 0x02,                                // field 2 (step), varint 2
      0x2A, 0x0A,                                // field 5 (summary), 10 bytes
      0x0A, 0x08,                                //   Summary.value, 8 bytes
      0x0A, 0x01, 'a',                           //     Value.tag "a"
      0x15, 0x00, 0x00, 0x80, 0x3F,              //     Value.simple_value 1.0f
  };
  ASSERT_EQ(event.size(), sizeof expected);
  EXPECT_EQ(std::memcmp(event.data(), expected, sizeof expected), 0);
}

TEST(TensorBoard, FileIsASequenceOfCheckedRecords) {
  test::TempDir dir;
  std::filesystem::path path;
  {
    TensorBoardWriter tb(dir / "logs");
    tb.scalar("train_loss", 0.5, 1);
    tb.scalar("train_loss", 0.25, 2);
    path = tb.path();
  }
  EXPECT_EQ(path.parent_path(), dir / "logs");
  EXPECT_EQ(path.filename().string().rfind("events.out.tfevents.", 0), 0u);
  std::string bytes = test::read_file(path);
  size_t pos = 0, records = 0;
  while (pos < bytes.size()) {
    uint64_t length = 0;
    uint32_t length_crc = 0, data_crc = 0;
    ASSERT_LE(pos + 12, bytes.size());
    std::memcpy(&length, bytes.data() + pos, 8);
    std::memcpy(&length_crc, bytes.data() + pos + 8, 4);
    EXPECT_EQ(length_crc, detail::masked_crc32c(bytes.data() + pos, 8));
    ASSERT_LE(pos + 12 + length + 4, bytes.size());
    std::memcpy(&data_crc, bytes.data() + pos + 12 + length, 4);
    EXPECT_EQ(data_crc, detail::masked_crc32c(bytes.data() + pos + 12, length));
    if (records == 0) {
      EXPECT_NE(bytes.substr(pos + 12, length).find("brain.Event:2"), std::string::npos);
    } else {
      EXPECT_NE(bytes.substr(pos + 12, length).find("train_loss"), std::string::npos);
    }
    pos += 12 + length + 4;
    ++records;
  }
  EXPECT_EQ(records, 3u);
}

}  // namespace
}  // namespace reel
