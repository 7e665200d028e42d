// Aspect buckets (spec/dataloader.md §2): the size each sample is trained at and how its
// pixels get there. The arithmetic is SimpleTuner's (multiaspect/image.py,
// image_manipulation/training_sample.py), Python's rounding included, so that a setup moved
// over from ST gets the same buckets:
//
//   480 pixel_area (= 0.2304 MP): 1920x1080 -> 640x352 "1.82", 1440x1080 -> 544x416 "1.31",
//                                 1080x1080 -> 512x512 "1.0",  1080x1920 -> 352x640 "0.55"
//
//   AspectBucketer buckets(bucket_settings(dataset, 32, 2));
//   BucketPlacement p = buckets.place(1920, 1080, file_rng);  // p.key == "1.82"
//
// Where ST's intermediary size is not what its own comments intend, Reel keeps the intent:
// the intermediary always keeps the source's aspect ratio and covers the final target (ST's
// correct_intermediary_square_size can stretch a non-square source to a square, and a target
// taken over from an earlier sample of the same key could exceed ST's intermediary).
// crop_style "face" has no face detector in Reel and crops at the centre, as ST does when it
// finds no face.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "config/dataset_config.h"
#include "data/sample.h"

namespace reel {

class StableRandom;

// Python's round() of a float: the nearest integer, exact halves to the even one (16.5 -> 16,
// 17.5 -> 18).
double round_half_even(double x);

// max(round_half_even(value / multiple) * multiple, multiple): ST's
// MultiaspectImage._round_to_nearest_multiple. At 32: 528 -> 512 (16.5 halves to 16), 720 -> 704.
int round_to_multiple(double value, int multiple);

// Python's round(x, digits): x correctly rounded to `digits` decimals, exact halves to even.
double round_to_digits(double x, int digits);

// The text of a bucket key: the rounded aspect as Python's str() writes the float, which is
// what ST's bucket files hold: "1.82", "0.55", "1.5", "1.0", "2.0".
std::string aspect_key(double rounded_aspect, int digits);

// bucket_strategy resolution_frames: "640x352@73", the frames floored to a multiple of
// frame_interval when one is set (and kept as they are when that would leave 0).
int floor_to_frame_interval(int frames, std::optional<int> frame_interval);
std::string resolution_frames_key(int width, int height, int frames);

// A dataset's resolution settings in the unit bucketing works in: pixel_area is converted to
// area, R -> R²/1e6 MP, and so are minimum_image_size, maximum_image_size and
// target_downsample_size (factory.py:_handle_resolution_conversion).
struct BucketSettings {
  ResolutionType resolution_type = ResolutionType::kArea;  // kPixel or kArea, never kPixelArea
  double resolution = 1.0;  // pixel: the shorter edge in px; area: megapixels
  std::optional<double> minimum_image_size;
  std::optional<double> maximum_image_size;
  std::optional<double> target_downsample_size;
  int alignment = 32;
  int rounding = 2;
  bool crop = false;
  CropStyle crop_style = CropStyle::kRandom;
  CropAspect crop_aspect = CropAspect::kSquare;
  std::vector<CropAspectBucket> crop_aspect_buckets;
};

BucketSettings bucket_settings(const DatasetConfig& dataset, int alignment, int rounding);

// Area mode: the pixel area a resolution aims at. Within 0.05 MP of 0.25 / 0.5 / 1 / 2 / 4 it
// snaps to 512² / 768² / 1024² / 1536² / 2048² (ST's compatibility map), else R·1e6.
double target_area(double megapixels);

// P, the edge of every square (key 1.0) target: area round_to_multiple(√target_area), pixel
// int(R) (ST's pixel_resolution; not aligned when R is not).
int square_edge(const BucketSettings& s);

// ST's target-size calculators before the square snap: the (W, H) for a source of
// width x height when it is bucketed with aspect `aspect` at `resolution` (in s's unit).
//   pixel: landscape/square source H = R, W = int(R·a); portrait W = R, H = int(R/a);
//          each rounded to the alignment.
//   area:  edge = round(int(√(R·1e6))); a square source at aspect 1.0 is edge x edge, else
//          W = round(edge·√a), H = round(edge/√a).
std::pair<int, int> calculator_target(const BucketSettings& s, double aspect, int width, int height,
                                      double resolution);

// The intermediary size: the source resized keeping its aspect ratio so that it covers
// target_w x target_h (each edge >= the target's), with ST's truncating arithmetic for the
// mode (calculate_new_size_by_pixel_area / _by_pixel_edge).
std::pair<int, int> intermediary_size(const BucketSettings& s, int width, int height, int target_w,
                                      int target_h);

// Why a source of width x height is below minimum_image_size ("360 px on the shorter edge,
// needs at least 480"), or nullopt when it is large enough or no minimum is set.
//   pixel: both edges >= minimum; area: W·H >= minimum·1e6 and, for square crops, both edges
//   >= floor(√(minimum·1e6)) (ST's meets_resolution_requirements).
std::optional<std::string> below_minimum_size(const BucketSettings& s, int width, int height);

struct BucketPlacement {
  SampleGeometry geometry;
  double aspect = 1.0;  // round(target_w / target_h, rounding); 1.0 for square targets
  std::string key;      // aspect_key(aspect)
};

// Places the samples of one dataset into buckets. Stateful: the first sample placed in an
// aspect key fixes the target size of that key and later ones reuse it
// (StateTracker.get_resolution_by_aspect), so call place() in a stable order.
class AspectBucketer {
 public:
  explicit AspectBucketer(BucketSettings settings);

  // The target (crop_aspect square with crop: P x P; random/closest: from a crop_aspect_bucket,
  // drawn from `rng` for random; else from the source aspect round(W/H)), the key and its
  // square snap, the intermediary and the crop window (crop_style: random from `rng`, corner
  // (0, 0), centre/face the middle). `rng` is the file's own, so a file always lands the same.
  BucketPlacement place(int width, int height, StableRandom& rng);

  const BucketSettings& settings() const { return s_; }

 private:
  double choose_crop_aspect(double source_aspect, StableRandom& rng) const;
  std::pair<int, int> downsample_before_crop(int width, int height, double source_aspect,
                                             int target_w, int target_h) const;

  BucketSettings s_;
  std::map<std::string, std::pair<int, int>> fixed_;  // key -> the first target placed in it
};

}  // namespace reel
