#include "data/aspect_bucket.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "core/error.h"
#include "core/log.h"
#include "data/stable_random.h"

namespace reel {
namespace {

// Python's int() of a float: towards zero.
int trunc_int(double x) {
  return static_cast<int>(std::trunc(x));
}

double squared_megapixels(double edge) {
  return edge * edge / 1e6;
}

std::optional<double> squared(std::optional<double> edge) {
  if (!edge) return std::nullopt;
  return squared_megapixels(*edge);
}

// Ensures the intermediary covers the target; ST's arithmetic already does except for
// floating-point ties, which this settles in the target's favour.
std::pair<int, int> at_least(std::pair<int, int> size, int target_w, int target_h) {
  return {std::max(size.first, target_w), std::max(size.second, target_h)};
}

}  // namespace

double round_half_even(double x) {
  double lower = std::floor(x);
  double diff = x - lower;  // exact for the magnitudes bucketing sees
  if (diff > 0.5) return lower + 1;
  if (diff < 0.5) return lower;
  return std::fmod(lower, 2.0) == 0 ? lower : lower + 1;
}

int round_to_multiple(double value, int multiple) {
  int rounded = static_cast<int>(round_half_even(value / multiple)) * multiple;
  return std::max(rounded, multiple);
}

double round_to_digits(double x, int digits) {
  // printf rounds the exact binary value correctly, exact halves to even, as Python's round()
  // does; reading the text back gives the same double Python returns.
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, x);
  return std::strtod(buf, nullptr);
}

std::string aspect_key(double rounded_aspect, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", std::max(digits, 1), rounded_aspect);
  std::string text = buf;
  // Python's str() of a float: the shortest digits, at least one after the point.
  while (text.size() > 2 && text.back() == '0' && text[text.size() - 2] != '.') text.pop_back();
  return text;
}

int floor_to_frame_interval(int frames, std::optional<int> frame_interval) {
  if (!frame_interval || *frame_interval <= 0) return frames;
  int floored = frames / *frame_interval * *frame_interval;
  return floored > 0 ? floored : frames;
}

std::string resolution_frames_key(int width, int height, int frames) {
  return std::to_string(width) + "x" + std::to_string(height) + "@" + std::to_string(frames);
}

BucketSettings bucket_settings(const DatasetConfig& dataset, int alignment, int rounding) {
  BucketSettings s;
  s.alignment = alignment;
  s.rounding = rounding;
  s.crop = dataset.crop;
  s.crop_style = dataset.crop_style;
  s.crop_aspect = dataset.crop_aspect;
  s.crop_aspect_buckets = dataset.crop_aspect_buckets;
  if (dataset.resolution_type == ResolutionType::kPixelArea) {
    s.resolution_type = ResolutionType::kArea;
    s.resolution = squared_megapixels(dataset.resolution);
    s.minimum_image_size = squared(dataset.minimum_image_size);
    s.maximum_image_size = squared(dataset.maximum_image_size);
    s.target_downsample_size = squared(dataset.target_downsample_size);
  } else {
    s.resolution_type = dataset.resolution_type;
    s.resolution = dataset.resolution;
    s.minimum_image_size = dataset.minimum_image_size;
    s.maximum_image_size = dataset.maximum_image_size;
    s.target_downsample_size = dataset.target_downsample_size;
  }
  return s;
}

double target_area(double megapixels) {
  static const std::pair<double, double> kSnap[] = {{0.25, 512.0 * 512},
                                                    {0.5, 768.0 * 768},
                                                    {1.0, 1024.0 * 1024},
                                                    {2.0, 1536.0 * 1536},
                                                    {4.0, 2048.0 * 2048}};
  for (const auto& [mp, area] : kSnap) {
    if (std::abs(megapixels - mp) < 0.05) return area;
  }
  return megapixels * 1e6;
}

int square_edge(const BucketSettings& s) {
  if (s.resolution_type == ResolutionType::kPixel) return trunc_int(s.resolution);
  return round_to_multiple(std::sqrt(target_area(s.resolution)), s.alignment);
}

std::pair<int, int> calculator_target(const BucketSettings& s, double aspect, int width, int height,
                                      double resolution) {
  const int align = s.alignment;
  if (s.resolution_type == ResolutionType::kPixel) {
    if (width < height) {
      return {round_to_multiple(resolution, align),
              round_to_multiple(trunc_int(resolution / aspect), align)};
    }
    return {round_to_multiple(trunc_int(resolution * aspect), align),
            round_to_multiple(resolution, align)};
  }
  int edge = round_to_multiple(trunc_int(std::sqrt(resolution * 1e6)), align);
  if (aspect == 1.0 && width == height) return {edge, edge};
  double root = std::sqrt(aspect);
  return {round_to_multiple(edge * root, align), round_to_multiple(edge / root, align)};
}

std::pair<int, int> intermediary_size(const BucketSettings& s, int width, int height, int target_w,
                                      int target_h) {
  const double raw = static_cast<double>(width) / height;
  int w, h;
  if (s.resolution_type == ResolutionType::kPixel) {
    // calculate_new_size_by_pixel_edge: follow the source's orientation.
    if (raw >= 1.0) {
      h = target_h;
      w = trunc_int(h * raw);
      if (w < target_w) {
        w = target_w;
        h = trunc_int(w / raw);
      }
    } else {
      w = target_w;
      h = trunc_int(w / raw);
      if (h < target_h) {
        h = target_h;
        w = trunc_int(h * raw);
      }
    }
  } else {
    // calculate_new_size_by_pixel_area: follow the target's orientation, then grow both edges
    // by the shortfall.
    if (target_w < target_h) {
      w = target_w;
      h = trunc_int(w / raw);
    } else {
      h = target_h;
      w = trunc_int(h * raw);
    }
    if (target_w > w) {
      int dw = target_w - w;
      w += dw;
      h += trunc_int(dw / raw);
    } else if (target_h > h) {
      int dh = target_h - h;
      h += dh;
      w += trunc_int(dh * raw);
    }
  }
  return at_least({w, h}, target_w, target_h);
}

std::optional<std::string> below_minimum_size(const BucketSettings& s, int width, int height) {
  if (!s.minimum_image_size) return std::nullopt;
  const double minimum = *s.minimum_image_size;
  const std::string size = std::to_string(width) + "x" + std::to_string(height);
  if (s.resolution_type == ResolutionType::kPixel) {
    if (minimum <= width && minimum <= height) return std::nullopt;
    return log::concat(size, ", needs at least ", minimum, " px on each edge");
  }
  const double min_area = minimum * 1e6;
  if (s.crop && s.crop_aspect == CropAspect::kSquare) {
    // A square crop needs the square's edge on both sides of the source.
    int edge = static_cast<int>(std::floor(std::sqrt(min_area)));
    if (edge > width || edge > height) {
      return log::concat(size, ", a square crop needs at least ", edge, " px on each edge");
    }
  }
  if (min_area <= static_cast<double>(width) * height) return std::nullopt;
  return log::concat(size, " is ", static_cast<double>(width) * height / 1e6,
                     " MP, needs at least ", minimum, " MP");
}

AspectBucketer::AspectBucketer(BucketSettings settings) : s_(std::move(settings)) {
  if (s_.resolution_type == ResolutionType::kPixelArea) {
    throw Error("internal: AspectBucketer needs pixel_area converted to area");
  }
}

double AspectBucketer::choose_crop_aspect(double source_aspect, StableRandom& rng) const {
  const auto& buckets = s_.crop_aspect_buckets;
  if (buckets.empty()) return source_aspect;
  if (s_.crop_aspect == CropAspect::kClosest) {
    // Python's min(): the first of equally close buckets.
    const CropAspectBucket* best = &buckets.front();
    for (const auto& b : buckets) {
      if (std::abs(b.aspect - source_aspect) < std::abs(best->aspect - source_aspect)) best = &b;
    }
    return best->aspect;
  }
  bool weighted = true;
  double total = 0;
  for (const auto& b : buckets) {
    weighted = weighted && b.weight.has_value();
    if (b.weight) total += *b.weight;
  }
  if (!weighted || total <= 0) return buckets[rng.below(buckets.size())].aspect;
  double draw = rng.uniform() * total;
  for (const auto& b : buckets) {
    if (draw < *b.weight) return b.aspect;
    draw -= *b.weight;
  }
  return buckets.back().aspect;
}

std::pair<int, int> AspectBucketer::downsample_before_crop(int width, int height,
                                                           double source_aspect, int target_w,
                                                           int target_h) const {
  // TrainingSample._calculate_target_downsample_size: the intermediary of a target at
  // target_downsample_size, grown to cover the real target along the edge that falls short.
  auto [dw, dh] = calculator_target(s_, source_aspect, width, height, *s_.target_downsample_size);
  auto [w, h] = intermediary_size(s_, width, height, dw, dh);
  if (w < target_w) {
    h = trunc_int(h * (static_cast<double>(target_w) / w));
    w = target_w;
  } else if (h < target_h) {
    w = trunc_int(w * (static_cast<double>(target_h) / h));
    h = target_h;
  }
  if (w < target_w || h < target_h) return intermediary_size(s_, width, height, target_w, target_h);
  return {w, h};
}

BucketPlacement AspectBucketer::place(int width, int height, StableRandom& rng) {
  if (width <= 0 || height <= 0) {
    throw Error("cannot bucket a " + std::to_string(width) + "x" + std::to_string(height) +
                " picture");
  }
  const double source_aspect = round_to_digits(static_cast<double>(width) / height, s_.rounding);
  const int square = square_edge(s_);

  std::pair<int, int> target;
  if (s_.crop && s_.crop_aspect == CropAspect::kSquare) {
    target = {square, square};
  } else {
    double aspect = source_aspect;
    if (s_.crop &&
        (s_.crop_aspect == CropAspect::kRandom || s_.crop_aspect == CropAspect::kClosest)) {
      aspect = choose_crop_aspect(source_aspect, rng);
    }
    target = calculator_target(s_, aspect, width, height, s_.resolution);
  }

  BucketPlacement p;
  p.aspect = round_to_digits(static_cast<double>(target.first) / target.second, s_.rounding);
  if (p.aspect == 1.0) target = {square, square};
  p.key = aspect_key(p.aspect, s_.rounding);
  auto [it, first] = fixed_.emplace(p.key, target);
  if (!first) target = it->second;

  SampleGeometry& g = p.geometry;
  g.target_w = target.first;
  g.target_h = target.second;
  std::pair<int, int> inter;
  if (s_.crop && s_.maximum_image_size && s_.target_downsample_size) {
    // TrainingSample._should_resize_before_crop: any source that is not already the target's
    // size (pixel: P on both edges; area: the target area) is resized via the downsample size.
    bool resize = s_.resolution_type == ResolutionType::kPixel
                      ? (width != square || height != square)
                      : (static_cast<double>(width) * height != target_area(s_.resolution) ||
                         width < g.target_w || height < g.target_h);
    inter = resize ? downsample_before_crop(width, height, source_aspect, g.target_w, g.target_h)
                   : intermediary_size(s_, width, height, g.target_w, g.target_h);
  } else {
    inter = intermediary_size(s_, width, height, g.target_w, g.target_h);
  }
  g.intermediary_w = inter.first;
  g.intermediary_h = inter.second;

  const int spare_x = g.intermediary_w - g.target_w;
  const int spare_y = g.intermediary_h - g.target_h;
  switch (s_.crop_style) {
    case CropStyle::kRandom:
      g.crop_x = static_cast<int>(rng.below(static_cast<uint64_t>(spare_x) + 1));
      g.crop_y = static_cast<int>(rng.below(static_cast<uint64_t>(spare_y) + 1));
      break;
    case CropStyle::kCorner:
      g.crop_x = g.crop_y = 0;
      break;
    case CropStyle::kCenter:
    case CropStyle::kFace:
      g.crop_x = spare_x / 2;
      g.crop_y = spare_y / 2;
      break;
  }
  return p;
}

}  // namespace reel
