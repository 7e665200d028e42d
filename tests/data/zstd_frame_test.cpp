#include "data/zstd_frame.h"

#include <gtest/gtest.h>

#include <zstd.h>

#include <string>

#include "support/error_of.h"

namespace reel {
namespace {

using test::contains_text;
using test::error_of;

std::string some_bytes() {
  std::string s;
  for (int i = 0; i < 20000; ++i) s += static_cast<char>((i * 7919) % 251);
  return s;
}

TEST(ZstdFrame, RoundTripsAndIsReadableByLibzstd) {
  const std::string bytes = some_bytes();
  const std::string frame = zstd_compress(bytes);
  EXPECT_EQ(zstd_decompress(frame, "f"), bytes);
  std::string plain(bytes.size(), '\0');
  EXPECT_EQ(ZSTD_decompress(plain.data(), plain.size(), frame.data(), frame.size()), bytes.size());
  EXPECT_EQ(plain, bytes);
  EXPECT_EQ(zstd_decompress(zstd_compress(""), "f"), "");
}

TEST(ZstdFrame, DecompressesAFrameWithoutContentSize) {
  // A streamed frame (as `zstd -` writes to a pipe) does not record its size up front.
  const std::string bytes = some_bytes();
  ZSTD_CCtx* c = ZSTD_createCCtx();
  ZSTD_CCtx_setParameter(c, ZSTD_c_contentSizeFlag, 0);
  std::string frame(ZSTD_compressBound(bytes.size()), '\0');
  ZSTD_outBuffer out{frame.data(), frame.size(), 0};
  ZSTD_inBuffer in{bytes.data(), bytes.size(), 0};
  ASSERT_EQ(ZSTD_compressStream2(c, &out, &in, ZSTD_e_end), 0u);
  ZSTD_freeCCtx(c);
  frame.resize(out.pos);
  ASSERT_EQ(ZSTD_getFrameContentSize(frame.data(), frame.size()), ZSTD_CONTENTSIZE_UNKNOWN);
  EXPECT_EQ(zstd_decompress(frame, "f"), bytes);
}

TEST(ZstdFrame, DamageIsReportedNamingTheFile) {
  const std::string frame = zstd_compress(some_bytes());
  std::string flipped = frame;
  flipped[frame.size() / 2] ^= 0x21;
  const std::string cases[] = {frame.substr(0, frame.size() - 1),
                               frame.substr(0, frame.size() / 2),
                               flipped,
                               frame + "x",
                               "not zstd at all",
                               ""};
  for (const std::string& bad : cases) {
    const std::string what = error_of([&] { zstd_decompress(bad, "cache/e.safetensors.zst"); });
    EXPECT_TRUE(contains_text(what, "cache/e.safetensors.zst")) << what;
    EXPECT_TRUE(contains_text(what, "zstd")) << what;
  }
}

}  // namespace
}  // namespace reel
