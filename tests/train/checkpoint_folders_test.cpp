#include <gtest/gtest.h>

#include "support/error_of.h"
#include "support/temp_dir.h"
#include "train/checkpoint_folders.h"

namespace reel {
namespace {

namespace fs = std::filesystem;

void make(const test::TempDir& dir, const std::string& name) {
  fs::create_directories(dir / name);
}

TEST(CheckpointFolders, ListsCompleteCheckpointsByStepIgnoringTemporaryOnes) {
  test::TempDir dir;
  for (const char* n : {"checkpoint-100", "checkpoint-20", "checkpoint-3",
                        "checkpoint-500.tmp-ab12Cd", "checkpoint-x", "other"})
    make(dir, n);
  dir.write("checkpoint-7", "a file, not a folder");
  auto all = list_checkpoints(dir.path());
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].step, 3);
  EXPECT_EQ(all[1].step, 20);  // numeric order, not text order
  EXPECT_EQ(all[2].step, 100);
}

TEST(CheckpointFolders, ResolvesLatestANameOrAPath) {
  test::TempDir dir;
  EXPECT_FALSE(resolve_resume(dir.path(), "latest")) << "no checkpoint yet: a fresh start";
  EXPECT_FALSE(resolve_resume(dir.path(), ""));
  EXPECT_FALSE(resolve_resume(dir.path(), "none"));
  make(dir, "checkpoint-10");
  make(dir, "checkpoint-200");
  EXPECT_EQ(resolve_resume(dir.path(), "latest")->step, 200);
  EXPECT_EQ(resolve_resume(dir.path(), "checkpoint-10")->step, 10);
  EXPECT_EQ(resolve_resume(dir.path(), (dir / "checkpoint-10").string())->path,
            dir / "checkpoint-10");
  std::string e = test::error_of([&] { resolve_resume(dir.path(), "checkpoint-11"); });
  EXPECT_TRUE(test::contains_text(e, "resume_from_checkpoint")) << e;
  EXPECT_TRUE(test::contains_text(e, "checkpoint-11")) << e;
}

TEST(CheckpointFolders, RotationKeepsTheNewest) {
  test::TempDir dir;
  for (int step : {5, 10, 15, 20}) make(dir, "checkpoint-" + std::to_string(step));
  auto removed = rotate_checkpoints(dir.path(), 2);
  EXPECT_EQ(removed.size(), 2u);
  auto left = list_checkpoints(dir.path());
  ASSERT_EQ(left.size(), 2u);
  EXPECT_EQ(left[0].step, 15);
  EXPECT_EQ(left[1].step, 20);
  EXPECT_TRUE(rotate_checkpoints(dir.path(), 0).empty()) << "0 = keep every checkpoint";
  EXPECT_EQ(list_checkpoints(dir.path()).size(), 2u);
}

}  // namespace
}  // namespace reel
