#include <gtest/gtest.h>

#include <set>

#include "data/aspect_bucket.h"
#include "data/stable_random.h"

namespace reel {
namespace {

BucketSettings settings(ResolutionType type, double resolution) {
  DatasetConfig d;
  d.resolution_type = type;
  d.resolution = resolution;
  return bucket_settings(d, 32, 2);
}

BucketPlacement place(AspectBucketer& b, int w, int h, uint64_t seed = 0) {
  StableRandom rng({seed});
  return b.place(w, h, rng);
}

TEST(AspectBucketRounding, HalvesGoToTheEvenNeighbour) {
  EXPECT_EQ(round_half_even(16.5), 16);
  EXPECT_EQ(round_half_even(17.5), 18);
  EXPECT_EQ(round_half_even(22.5), 22);
  EXPECT_EQ(round_half_even(11.24), 11);
  EXPECT_EQ(round_half_even(20.51), 21);
}

TEST(AspectBucketRounding, RoundToMultipleUsesBankersRoundingAndAFloorOfOneMultiple) {
  EXPECT_EQ(round_to_multiple(528, 32), 512);  // 16.5 -> 16 (half-up would give 544)
  EXPECT_EQ(round_to_multiple(560, 32), 576);  // 17.5 -> 18
  EXPECT_EQ(round_to_multiple(720, 32), 704);  // 22.5 -> 22
  EXPECT_EQ(round_to_multiple(640.4, 32), 640);
  EXPECT_EQ(round_to_multiple(359.78, 32), 352);
  EXPECT_EQ(round_to_multiple(10, 32), 32);
  EXPECT_EQ(round_to_multiple(96, 64), 128);  // 1.5 -> 2
}

TEST(AspectBucketRounding, DigitsRoundLikePython) {
  EXPECT_DOUBLE_EQ(round_to_digits(1.8125, 2), 1.81);  // exact half -> even
  EXPECT_DOUBLE_EQ(round_to_digits(0.375, 2), 0.38);   // exact half -> even
  EXPECT_DOUBLE_EQ(round_to_digits(0.125, 2), 0.12);
  EXPECT_DOUBLE_EQ(round_to_digits(2.675, 2), 2.67);  // 2.675 is stored below the half
  EXPECT_DOUBLE_EQ(round_to_digits(640.0 / 352, 2), 1.82);
}

TEST(AspectBucketRounding, KeysReadLikePythonFloats) {
  EXPECT_EQ(aspect_key(1.82, 2), "1.82");
  EXPECT_EQ(aspect_key(0.55, 2), "0.55");
  EXPECT_EQ(aspect_key(1.0, 2), "1.0");
  EXPECT_EQ(aspect_key(2.0, 2), "2.0");
  EXPECT_EQ(aspect_key(1.5, 2), "1.5");
  EXPECT_EQ(aspect_key(1.818, 3), "1.818");
}

TEST(AspectBucketFrames, ResolutionFramesKeyFloorsToTheInterval) {
  EXPECT_EQ(floor_to_frame_interval(121, 16), 112);
  EXPECT_EQ(floor_to_frame_interval(121, std::nullopt), 121);
  EXPECT_EQ(floor_to_frame_interval(9, 16), 9);  // flooring to 0 keeps the count
  EXPECT_EQ(resolution_frames_key(640, 352, 73), "640x352@73");
}

// spec/dataloader.md §2, worked table: 480 pixel_area.
TEST(AspectBucketer, ReproducesTheWorkedTableAt480PixelArea) {
  BucketSettings s = settings(ResolutionType::kPixelArea, 480);
  EXPECT_EQ(s.resolution_type, ResolutionType::kArea);
  EXPECT_DOUBLE_EQ(s.resolution, 0.2304);
  EXPECT_EQ(square_edge(s), 512);
  AspectBucketer b(s);
  struct Row {
    int w, h, tw, th;
    const char* key;
  } rows[] = {{1920, 1080, 640, 352, "1.82"},
              {1440, 1080, 544, 416, "1.31"},
              {1080, 1080, 512, 512, "1.0"},
              {1080, 1920, 352, 640, "0.55"}};
  for (const Row& r : rows) {
    BucketPlacement p = place(b, r.w, r.h);
    EXPECT_EQ(p.geometry.target_w, r.tw) << r.w << "x" << r.h;
    EXPECT_EQ(p.geometry.target_h, r.th) << r.w << "x" << r.h;
    EXPECT_EQ(p.key, r.key) << r.w << "x" << r.h;
  }
}

TEST(AspectBucketer, SnapsSquaresAt720PixelAreaTo768) {
  AspectBucketer b(settings(ResolutionType::kPixelArea, 720));
  BucketPlacement p = place(b, 1080, 1080);
  EXPECT_EQ(p.geometry.target_w, 768);
  EXPECT_EQ(p.geometry.target_h, 768);
  EXPECT_EQ(p.key, "1.0");
  // edge = round32(720) = 704 (22.5 halves to 22); 704·√1.78 = 939.2 -> 928,
  // 704/√1.78 = 527.7 -> 512; 928/512 = 1.8125 exactly, which halves to 1.81.
  p = place(b, 1920, 1080);
  EXPECT_EQ(p.geometry.target_w, 928);
  EXPECT_EQ(p.geometry.target_h, 512);
  EXPECT_EQ(p.key, "1.81");
}

TEST(AspectBucketer, AreaModeInMegapixels) {
  // 1.0 MP snaps squares to 1024²; edge = round32(int(√1e6) = 1000) = 992 (31.25 -> 31);
  // 992·√1.78 = 1323.5 -> 1312, 992/√1.78 = 743.5 -> 736; 1312/736 = 1.783 -> "1.78".
  AspectBucketer one(settings(ResolutionType::kArea, 1.0));
  BucketPlacement p = place(one, 1920, 1080);
  EXPECT_EQ(p.geometry.target_w, 1312);
  EXPECT_EQ(p.geometry.target_h, 736);
  EXPECT_EQ(p.key, "1.78");
  p = place(one, 2000, 2000);
  EXPECT_EQ(p.geometry.target_w, 1024);
  EXPECT_EQ(p.key, "1.0");
  // 0.6 MP is no snap value: edge = round32(int(774.6)) = 768, P = round32(774.6) = 768;
  // 768·√1.78 = 1024.6 -> 1024, 768/√1.78 = 575.6 -> 576.
  AspectBucketer six(settings(ResolutionType::kArea, 0.6));
  p = place(six, 1920, 1080);
  EXPECT_EQ(p.geometry.target_w, 1024);
  EXPECT_EQ(p.geometry.target_h, 576);
  p = place(six, 1000, 1000);
  EXPECT_EQ(p.geometry.target_w, 768);
}

TEST(AspectBucketer, PixelModeShorterEdge) {
  AspectBucketer b(settings(ResolutionType::kPixel, 480));
  // Landscape: H = 480, W = round32(int(480·1.78) = 854) = 864; 864/480 = 1.8.
  BucketPlacement p = place(b, 1920, 1080);
  EXPECT_EQ(p.geometry.target_w, 864);
  EXPECT_EQ(p.geometry.target_h, 480);
  EXPECT_EQ(p.key, "1.8");
  // Portrait (a = 0.56): W = 480, H = round32(int(480/0.56) = 857) = 864.
  p = place(b, 1080, 1920);
  EXPECT_EQ(p.geometry.target_w, 480);
  EXPECT_EQ(p.geometry.target_h, 864);
  EXPECT_EQ(p.key, "0.56");
  // a = 1.1: W = int(528.0000000000001) = 528 = 16.5 x 32, which halves down to 512.
  p = place(b, 1100, 1000);
  EXPECT_EQ(p.geometry.target_w, 512);
  EXPECT_EQ(p.geometry.target_h, 480);
  EXPECT_EQ(p.key, "1.07");
}

TEST(AspectBucketer, PixelModeSquaresUseTheUnalignedResolution) {
  // ST forces key 1.0 to int(R) x int(R) even where the other buckets round R: at 720 a
  // landscape bucket is 704 high (22.5 halves to 22) but the square one is 720.
  AspectBucketer b(settings(ResolutionType::kPixel, 720));
  BucketPlacement p = place(b, 1280, 720);
  EXPECT_EQ(p.geometry.target_w, 1280);
  EXPECT_EQ(p.geometry.target_h, 704);
  EXPECT_EQ(p.key, "1.82");
  p = place(b, 900, 900);
  EXPECT_EQ(p.geometry.target_w, 720);
  EXPECT_EQ(p.geometry.target_h, 720);
}

TEST(AspectBucketer, IntermediaryKeepsTheSourceAspectAndCoversTheTarget) {
  BucketSettings s = settings(ResolutionType::kPixelArea, 480);
  s.crop_style = CropStyle::kCenter;
  AspectBucketer b(s);
  // 640x352 from 1920x1080: 352 high gives int(625.8) = 625 wide, 15 short; growing by 15
  // wide and int(15/1.778) = 8 high gives 640x360, cropped 4 rows from the top.
  SampleGeometry g = place(b, 1920, 1080).geometry;
  EXPECT_EQ(g.intermediary_w, 640);
  EXPECT_EQ(g.intermediary_h, 360);
  EXPECT_EQ(g.crop_x, 0);
  EXPECT_EQ(g.crop_y, 4);
  // 544x416 from 1440x1080: 416 high is int(554.7) = 554 wide; (554 - 544) / 2 = 5.
  g = place(b, 1440, 1080).geometry;
  EXPECT_EQ(g.intermediary_w, 554);
  EXPECT_EQ(g.intermediary_h, 416);
  EXPECT_EQ(g.crop_x, 5);
  // Portrait 352x640 from 1080x1920: 352 wide is 625 high, grown to 640 and 360 wide.
  g = place(b, 1080, 1920).geometry;
  EXPECT_EQ(g.intermediary_w, 360);
  EXPECT_EQ(g.intermediary_h, 640);
  EXPECT_EQ(g.crop_x, 4);
  // The square source goes straight to the snapped 512x512.
  g = place(b, 1080, 1080).geometry;
  EXPECT_EQ(g.intermediary_w, 512);
  EXPECT_EQ(g.intermediary_h, 512);
  EXPECT_EQ(g.crop_x, 0);
  EXPECT_EQ(g.crop_y, 0);
}

TEST(AspectBucketer, SquareCropTargetsTheSquareEdge) {
  BucketSettings s = settings(ResolutionType::kPixelArea, 480);
  s.crop = true;
  s.crop_aspect = CropAspect::kSquare;
  s.crop_style = CropStyle::kCenter;
  AspectBucketer b(s);
  // 512 high at 16:9 is int(910.2) = 910 wide; the middle 512 starts at 199.
  BucketPlacement p = place(b, 1920, 1080);
  EXPECT_EQ(p.key, "1.0");
  EXPECT_EQ(p.geometry.target_w, 512);
  EXPECT_EQ(p.geometry.target_h, 512);
  EXPECT_EQ(p.geometry.intermediary_w, 910);
  EXPECT_EQ(p.geometry.intermediary_h, 512);
  EXPECT_EQ(p.geometry.crop_x, 199);
  EXPECT_EQ(p.geometry.crop_y, 0);
}

TEST(AspectBucketer, CornerCropStartsAtTheOrigin) {
  BucketSettings s = settings(ResolutionType::kPixelArea, 480);
  s.crop = true;
  s.crop_style = CropStyle::kCorner;
  AspectBucketer b(s);
  SampleGeometry g = place(b, 1920, 1080).geometry;
  EXPECT_EQ(g.crop_x, 0);
  EXPECT_EQ(g.crop_y, 0);
}

TEST(AspectBucketer, ClosestCropAspectPicksTheNearestBucket) {
  BucketSettings s = settings(ResolutionType::kPixelArea, 480);
  s.crop = true;
  s.crop_aspect = CropAspect::kClosest;
  s.crop_aspect_buckets = {{1.0, std::nullopt}, {1.5, std::nullopt}, {0.67, std::nullopt}};
  AspectBucketer b(s);
  // 16:9 is closest to 1.5: 480·√1.5 = 587.9 -> 576, 480/√1.5 = 391.9 -> 384.
  BucketPlacement p = place(b, 1920, 1080);
  EXPECT_EQ(p.geometry.target_w, 576);
  EXPECT_EQ(p.geometry.target_h, 384);
  EXPECT_EQ(p.key, "1.5");
}

TEST(AspectBucketer, RandomCropAspectFollowsTheWeights) {
  BucketSettings s = settings(ResolutionType::kPixelArea, 480);
  s.crop = true;
  s.crop_aspect = CropAspect::kRandom;
  s.crop_aspect_buckets = {{1.5, 0.0}, {1.0, 1.0}};
  AspectBucketer weighted(s);
  for (uint64_t seed = 0; seed < 20; ++seed) {
    EXPECT_EQ(place(weighted, 1920, 1080, seed).key, "1.0");
  }
  s.crop_aspect_buckets = {{1.5, std::nullopt}, {1.0, std::nullopt}};
  AspectBucketer uniform(s);
  std::set<std::string> keys;
  for (uint64_t seed = 0; seed < 40; ++seed) keys.insert(place(uniform, 1920, 1080, seed).key);
  EXPECT_EQ(keys, (std::set<std::string>{"1.0", "1.5"}));
}

TEST(AspectBucketer, RandomCropsStayInsideAndRepeatForTheSameSeed) {
  BucketSettings s = settings(ResolutionType::kPixelArea, 480);
  s.crop = true;
  s.crop_aspect = CropAspect::kSquare;
  AspectBucketer b(s);
  std::set<int> xs;
  for (uint64_t seed = 0; seed < 30; ++seed) {
    SampleGeometry g = place(b, 1920, 1080, seed).geometry;
    EXPECT_GE(g.crop_x, 0);
    EXPECT_LE(g.crop_x + g.target_w, g.intermediary_w);
    EXPECT_EQ(g.crop_y, 0);
    EXPECT_EQ(place(b, 1920, 1080, seed).geometry.crop_x, g.crop_x);
    xs.insert(g.crop_x);
  }
  EXPECT_GT(xs.size(), 10u);  // 399 positions: 30 draws are not all the same
}

TEST(AspectBucketer, FirstSampleFixesTheSizeOfItsKey) {
  // 480 pixel_area. 100x477 (a = 0.21): 480·√0.21 = 220.0 -> 224, 480/√0.21 = 1047.4 -> 1056,
  // key 224/1056 = 0.212 -> "0.21". 100x490 (a = 0.2): 214.7 -> 224, 1073.3 -> 1088, key
  // 224/1088 = 0.206 -> "0.21" as well, so it takes the first sample's 224x1056.
  const BucketSettings s = settings(ResolutionType::kPixelArea, 480);
  AspectBucketer alone(s);
  BucketPlacement own = place(alone, 100, 490);
  EXPECT_EQ(own.key, "0.21");
  EXPECT_EQ(own.geometry.target_h, 1088);

  AspectBucketer b(s);
  BucketPlacement first = place(b, 100, 477);
  BucketPlacement second = place(b, 100, 490);
  EXPECT_EQ(first.key, "0.21");
  EXPECT_EQ(first.geometry.target_w, 224);
  EXPECT_EQ(first.geometry.target_h, 1056);
  EXPECT_EQ(second.key, "0.21");
  EXPECT_EQ(second.geometry.target_w, 224);
  EXPECT_EQ(second.geometry.target_h, 1056);
  EXPECT_GE(second.geometry.intermediary_h, 1056);
}

TEST(AspectBucketer, MinimumSizeInTheDatasetsUnit) {
  BucketSettings pixel = settings(ResolutionType::kPixel, 480);
  pixel.minimum_image_size = 480;
  EXPECT_TRUE(below_minimum_size(pixel, 853, 479).has_value());
  EXPECT_FALSE(below_minimum_size(pixel, 853, 480).has_value());

  DatasetConfig d;
  d.resolution_type = ResolutionType::kPixelArea;
  d.resolution = 480;
  d.minimum_image_size = 480;  // pixel_area: 480² = 230400 px
  BucketSettings area = bucket_settings(d, 32, 2);
  EXPECT_DOUBLE_EQ(*area.minimum_image_size, 0.2304);
  EXPECT_FALSE(below_minimum_size(area, 1000, 231).has_value());  // 231000 px
  EXPECT_TRUE(below_minimum_size(area, 1000, 230).has_value());   // 230000 px
  area.crop = true;
  area.crop_aspect = CropAspect::kSquare;
  auto why = below_minimum_size(area, 1000, 300);  // a 480 square does not fit in 300 rows
  ASSERT_TRUE(why.has_value());
  EXPECT_NE(why->find("480"), std::string::npos);
}

}  // namespace
}  // namespace reel
