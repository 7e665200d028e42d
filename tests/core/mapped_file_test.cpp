#include "core/mapped_file.h"

#include <gtest/gtest.h>

#include <cstring>
#include <fstream>

#include "core/error.h"
#include "support/temp_dir.h"

namespace reel {
namespace {

std::string error_of(const std::filesystem::path& p) {
  try {
    MappedFile::open(p);
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

int overcommit_mode() {
  std::ifstream in("/proc/sys/vm/overcommit_memory");
  int mode = 0;
  in >> mode;
  return mode;
}

TEST(MappedFile, MapsTheWholeFile) {
  test::TempDir dir;
  std::string content = "0123456789abcdef";
  auto path = dir.write("f.bin", content);
  auto m = MappedFile::open(path);
  EXPECT_EQ(m->path(), path);
  ASSERT_EQ(m->size(), content.size());
  EXPECT_EQ(std::memcmp(m->data(), content.data(), content.size()), 0);
  EXPECT_TRUE(m->contains(m->data(), m->size()));
  EXPECT_TRUE(m->contains(m->data() + 4, 12));
  EXPECT_FALSE(m->contains(m->data() + 4, 13));
  EXPECT_FALSE(m->contains(content.data(), 1));
}

TEST(MappedFile, EmptyFileHasNoMapping) {
  test::TempDir dir;
  auto m = MappedFile::open(dir.write("empty", ""));
  EXPECT_EQ(m->size(), 0u);
  EXPECT_EQ(m->data(), nullptr);
  EXPECT_FALSE(m->contains(m->data(), 0));
}

TEST(MappedFile, WritesThroughTheMappingNeverReachTheFile) {
  if (overcommit_mode() == 2) GTEST_SKIP() << "read-only mapping under strict overcommit";
  test::TempDir dir;
  auto path = dir.write("f.bin", "original");
  {
    auto m = MappedFile::open(path);
    m->data()[0] = 'X';  // e.g. an in-place op on a loaded tensor
    EXPECT_EQ(m->data()[0], 'X');
  }
  EXPECT_EQ(test::read_file(path), "original");
}

TEST(MappedFile, ErrorsNameThePathAndTheReason) {
  test::TempDir dir;
  std::string what = error_of(dir / "missing.bin");
  EXPECT_NE(what.find((dir / "missing.bin").string()), std::string::npos) << what;
  EXPECT_NE(what.find(std::strerror(ENOENT)), std::string::npos) << what;

  what = error_of(dir.path());
  EXPECT_NE(what.find(dir.path().string()), std::string::npos) << what;
  EXPECT_NE(what.find("is a directory"), std::string::npos) << what;
}

TEST(MappedFile, FromBytesHoldsTheBytesAndTouchesNoFile) {
  test::TempDir dir;
  const std::string content("bytes\0with a zero", 17);
  auto m = MappedFile::from_bytes(dir / "never-created.bin", content);
  EXPECT_EQ(m->path(), dir / "never-created.bin");
  ASSERT_EQ(m->size(), content.size());
  EXPECT_EQ(std::memcmp(m->data(), content.data(), content.size()), 0);
  EXPECT_TRUE(m->contains(m->data() + 5, 12));
  EXPECT_FALSE(m->contains(m->data() + 5, 13));
  EXPECT_FALSE(std::filesystem::exists(dir / "never-created.bin"));

  auto empty = MappedFile::from_bytes("empty", "");
  EXPECT_EQ(empty->size(), 0u);
  EXPECT_EQ(empty->data(), nullptr);
}

}  // namespace
}  // namespace reel
