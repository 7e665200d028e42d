// PNG writing: what FFmpeg's decoder reads back is exactly what was written.
#include "media/image_encoder.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include "media/video_decoder.h"
#include "support/error_of.h"
#include "support/temp_dir.h"

namespace reel {
namespace {

TEST(ImageEncoder, PngReadsBackExactly) {
  test::TempDir dir;
  const at::Tensor image = at::randint(0, 256, {7, 9, 3}, at::kByte);  // odd sizes
  write_png(dir / "a.png", image);
  const std::string bytes = test::read_file(dir / "a.png");
  ASSERT_GE(bytes.size(), 8u);
  EXPECT_EQ(bytes.substr(1, 3), "PNG");
  const at::Tensor back = decode_frames(dir / "a.png");
  ASSERT_EQ(back.sizes(), (std::vector<int64_t>{1, 7, 9, 3}));
  EXPECT_TRUE(at::equal(back[0], image));
  EXPECT_EQ(test::dir_entries(dir.path()), (std::vector<std::string>{"a.png"}));
}

TEST(ImageEncoder, BadImagesAreErrorsAndWriteNothing) {
  test::TempDir dir;
  const std::string e = test::error_of([&] { write_png(dir / "b.png", at::zeros({4, 4, 3})); });
  EXPECT_TRUE(test::contains_text(e, "uint8 RGB")) << e;
  EXPECT_TRUE(test::contains_text(e, "b.png")) << e;
  EXPECT_TRUE(test::dir_entries(dir.path()).empty());
}

}  // namespace
}  // namespace reel
