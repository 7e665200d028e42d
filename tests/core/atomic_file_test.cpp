#include "core/atomic_file.h"

#include <gtest/gtest.h>

#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstring>
#include <fstream>
#include <functional>
#include <stdexcept>

#include "core/error.h"
#include "support/error_of.h"
#include "support/temp_dir.h"

namespace reel {
namespace {

namespace fs = std::filesystem;
using test::contains_text;
using test::dir_entries;
using test::error_of;

TEST(WriteFileAtomic, WritesAndReplaces) {
  test::TempDir dir;
  fs::path p = dir / "state.json";
  write_file_atomic(p, "first");
  EXPECT_EQ(test::read_file(p), "first");
  write_file_atomic(p, std::string("sec\0nd", 6));
  EXPECT_EQ(test::read_file(p), std::string("sec\0nd", 6));
  EXPECT_EQ(dir_entries(dir.path()), std::vector<std::string>{"state.json"});
}

TEST(WriteFileAtomic, NewFilesGetTheUsualPermissions) {
  test::TempDir dir;
  mode_t old = ::umask(022);
  write_file_atomic(dir / "f", "x");
  ::umask(old);
  EXPECT_EQ(fs::status(dir / "f").permissions(),
            fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                fs::perms::others_read);  // 0644, not mkstemp's 0600
}

TEST(AtomicFile, TargetAppearsOnlyOnCommit) {
  test::TempDir dir;
  fs::path p = dir / "w.bin";
  AtomicFile f(p);
  f.write("hello ", 6);
  f.write(std::string_view("world"));
  EXPECT_EQ(f.bytes_written(), 11u);
  EXPECT_FALSE(fs::exists(p));
  EXPECT_EQ(f.temp_path().parent_path(), dir.path());  // same folder: rename stays atomic
  EXPECT_EQ(test::read_file(f.temp_path()), "hello world");
  f.commit();
  EXPECT_EQ(test::read_file(p), "hello world");
  EXPECT_EQ(dir_entries(dir.path()), std::vector<std::string>{"w.bin"});
  EXPECT_THROW(f.write("x", 1), std::logic_error);
}

TEST(AtomicFile, WithoutCommitTheTargetIsUnchanged) {
  test::TempDir dir;
  fs::path p = dir.write("w.bin", "old contents");
  fs::path temp;
  {
    AtomicFile f(p);
    temp = f.temp_path();
    f.write("new", 3);
    EXPECT_TRUE(fs::exists(temp));
  }
  EXPECT_FALSE(fs::exists(temp));
  EXPECT_EQ(test::read_file(p), "old contents");
  EXPECT_EQ(dir_entries(dir.path()), std::vector<std::string>{"w.bin"});
}

TEST(AtomicFile, AnExceptionMidWriteLeavesNothing) {
  test::TempDir dir;
  fs::path p = dir / "never.bin";
  try {
    AtomicFile f(p);
    f.write("partial", 7);
    throw std::runtime_error("interrupted");
  } catch (const std::runtime_error&) {
  }
  EXPECT_TRUE(dir_entries(dir.path()).empty());
}

TEST(AtomicFile, MissingFolderIsAnErrorNamingThePath) {
  test::TempDir dir;
  fs::path p = dir / "no" / "such" / "file.bin";
  std::string what = error_of([&] { AtomicFile f(p); });
  EXPECT_TRUE(contains_text(what, p.string())) << what;
  EXPECT_TRUE(contains_text(what, std::strerror(ENOENT))) << what;
}

TEST(AtomicFile, UnwritableFolderIsAnErrorNamingThePath) {
  if (::geteuid() == 0) GTEST_SKIP() << "root ignores folder permissions";
  test::TempDir dir;
  fs::create_directory(dir / "ro");
  fs::permissions(dir / "ro", fs::perms::owner_read | fs::perms::owner_exec);
  std::string what = error_of([&] { write_file_atomic(dir / "ro" / "f", "x"); });
  fs::permissions(dir / "ro", fs::perms::owner_all);
  EXPECT_TRUE(contains_text(what, (dir / "ro" / "f").string())) << what;
  EXPECT_TRUE(contains_text(what, std::strerror(EACCES))) << what;
  EXPECT_TRUE(contains_text(what, "permissions")) << what;
}

TEST(AtomicFile, WriteFailureIsAnErrorAndLeavesNoTemporary) {
  // A file-size limit makes write() fail with EFBIG, as a full disk fails with ENOSPC.
  test::TempDir dir;
  fs::path p = dir.write("big.bin", "old");
  struct rlimit old_limit {};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &old_limit), 0);
  auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
  struct rlimit small = old_limit;
  small.rlim_cur = 4096;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
  std::string what = error_of([&] {
    AtomicFile f(p);
    std::string block(8192, 'x');
    f.write(block);
    f.commit();
  });
  ::setrlimit(RLIMIT_FSIZE, &old_limit);
  std::signal(SIGXFSZ, old_handler);

  EXPECT_TRUE(contains_text(what, p.string())) << what;
  EXPECT_TRUE(contains_text(what, std::strerror(EFBIG))) << what;
  EXPECT_EQ(test::read_file(p), "old");
  EXPECT_EQ(dir_entries(dir.path()), std::vector<std::string>{"big.bin"});
}

TEST(AtomicDirectory, AppearsOnlyOnCommit) {
  test::TempDir dir;
  fs::path target = dir / "checkpoint-10";
  AtomicDirectory d(target);
  EXPECT_EQ(d.target(), target);
  EXPECT_EQ(d.path().parent_path(), dir.path());
  write_file_atomic(d.path() / "state.json", "{}");
  fs::create_directory(d.path() / "sub");
  std::ofstream(d.path() / "sub" / "w.bin") << "weights";
  EXPECT_FALSE(fs::exists(target));
  d.commit();
  EXPECT_EQ(test::read_file(target / "state.json"), "{}");
  EXPECT_EQ(test::read_file(target / "sub" / "w.bin"), "weights");
  EXPECT_EQ(dir_entries(dir.path()), std::vector<std::string>{"checkpoint-10"});
}

TEST(AtomicDirectory, WithoutCommitNothingRemains) {
  test::TempDir dir;
  {
    AtomicDirectory d(dir / "ckpt");
    write_file_atomic(d.path() / "a", "1");
    EXPECT_TRUE(fs::exists(d.path() / "a"));
  }
  EXPECT_TRUE(dir_entries(dir.path()).empty());
}

TEST(AtomicDirectory, ReplacesAnExistingFolder) {
  test::TempDir dir;
  fs::path target = dir / "ckpt";
  dir.write("ckpt/old.bin", "old");
  dir.write("ckpt/deep/old2.bin", "old");
  AtomicDirectory d(target);
  write_file_atomic(d.path() / "new.bin", "new");
  d.commit();
  EXPECT_EQ(dir_entries(target), std::vector<std::string>{"new.bin"});
  EXPECT_EQ(test::read_file(target / "new.bin"), "new");
  EXPECT_EQ(dir_entries(dir.path()), std::vector<std::string>{"ckpt"});  // old one deleted
}

TEST(AtomicDirectory, ReplacesByRenamingAsideWhereSwapsAreUnsupported) {
  test::TempDir dir;
  dir.write("ckpt/old.bin", "old");
  dir.write("staged/new.bin", "new");
  detail::replace_directory(dir / "staged", dir / "ckpt", /*allow_exchange=*/false);
  EXPECT_EQ(dir_entries(dir / "ckpt"), std::vector<std::string>{"new.bin"});
  EXPECT_EQ(dir_entries(dir.path()), std::vector<std::string>{"ckpt"});
}

TEST(AtomicDirectory, TrailingSlashNamesTheSameFolder) {
  test::TempDir dir;
  AtomicDirectory d(dir.path() / "ckpt" / "");
  EXPECT_EQ(d.path().parent_path(), dir.path());
  write_file_atomic(d.path() / "a", "1");
  d.commit();
  EXPECT_EQ(test::read_file(dir / "ckpt" / "a"), "1");
  EXPECT_EQ(dir_entries(dir.path()), std::vector<std::string>{"ckpt"});
}

}  // namespace
}  // namespace reel
