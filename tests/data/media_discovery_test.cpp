#include <gtest/gtest.h>

#include "data/media_discovery.h"
#include "support/error_of.h"
#include "support/temp_dir.h"

namespace fs = std::filesystem;

namespace reel {
namespace {

using test::TempDir;

TEST(MediaDiscovery, ListsMediaOfTheKindRecursivelySortedAndCaseInsensitive) {
  TempDir t;
  t.write("root/a.mp4", "x");
  t.write("root/sub/B.MOV", "x");
  t.write("root/sub/deeper/c.webm", "x");
  t.write("root/anim.GIF", "x");
  t.write("root/notes.txt", "x");
  t.write("root/a.txt", "caption");
  t.write("root/photo.png", "x");
  t.write("root/noext", "x");
  auto videos = discover_media(t / "root", MediaKind::kVideo);
  EXPECT_EQ(videos,
            (std::vector<std::string>{"a.mp4", "anim.GIF", "sub/B.MOV", "sub/deeper/c.webm"}));
  auto images = discover_media(t / "root", MediaKind::kImage);
  EXPECT_EQ(images, (std::vector<std::string>{"photo.png"}));
}

TEST(MediaDiscovery, SkipsHiddenFilesAndReelsOwnFiles) {
  TempDir t;
  t.write("root/keep.mp4", "x");
  t.write("root/.hidden.mp4", "x");
  t.write("root/.cache/inside.mp4", "x");
  t.write("root/half.mp4.tmp-Ab12Cd", "x");   // an atomic write in progress
  t.write("root/cache/vae/latent.mp4", "x");  // a cache folder the caller excludes
  t.write("root/meta.mp4", "x");              // an excluded file
  auto found =
      discover_media(t / "root", MediaKind::kVideo, {t / "root/cache", t / "root/meta.mp4"});
  EXPECT_EQ(found, (std::vector<std::string>{"keep.mp4"}));
}

TEST(MediaDiscovery, FollowsSymlinksAndSurvivesLoops) {
  TempDir t;
  t.write("root/a.mp4", "x");
  t.write("elsewhere/e.mp4", "x");
  t.write("elsewhere/file.mp4", "x");
  fs::create_directory_symlink(t / "elsewhere", t / "root/linked");
  fs::create_symlink(t / "elsewhere/file.mp4", t / "root/link.mp4");
  fs::create_directory_symlink(t / "root", t / "root/loop");  // back to the root
  fs::create_symlink(t / "missing.mp4", t / "root/dangling.mp4");
  auto found = discover_media(t / "root", MediaKind::kVideo);
  EXPECT_EQ(found,
            (std::vector<std::string>{"a.mp4", "link.mp4", "linked/e.mp4", "linked/file.mp4"}));
}

TEST(MediaDiscovery, MissingFolderIsAnErrorNamingIt) {
  TempDir t;
  std::string err = test::error_of([&] { discover_media(t / "nope", MediaKind::kVideo); });
  EXPECT_TRUE(test::contains_text(err, "folder not found")) << err;
  EXPECT_TRUE(test::contains_text(err, (t / "nope").string())) << err;
}

TEST(MediaDiscovery, ExtensionListNamesWhatIsLookedFor) {
  EXPECT_TRUE(test::contains_text(extension_list(MediaKind::kVideo), "mp4, mov"));
  EXPECT_TRUE(has_media_extension("x/Y.JPEG", MediaKind::kImage));
  EXPECT_FALSE(has_media_extension("x/y.mp4", MediaKind::kImage));
  EXPECT_FALSE(has_media_extension("x/mp4", MediaKind::kVideo));
}

}  // namespace
}  // namespace reel
