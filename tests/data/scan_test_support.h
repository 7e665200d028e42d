// Datasets and scan options for the scan and metadata-cache tests.
#pragma once

#include <filesystem>

#include "config/dataset_config.h"
#include "data/dataset_scan.h"
#include "data/fake_probe.h"

namespace reel::test {

// A video dataset at 480 pixel_area, 73-frame clips, captions from file names.
inline DatasetConfig video_dataset(const std::filesystem::path& dir) {
  DatasetConfig d;
  d.source = "multidatabackend.json";
  d.id = "clips";
  d.dataset_type = DatasetType::kVideo;
  d.instance_data_dir = dir.string();
  d.resolution = 480;
  d.resolution_type = ResolutionType::kPixelArea;
  d.train_batch_size = 1;
  VideoConfig v;
  v.num_frames = 73;
  v.min_frames = 73;
  d.video = v;
  return d;
}

inline ScanOptions scan_options(const FakeProbe& probe,
                                const std::filesystem::path& metadata = {}) {
  ScanOptions o;
  o.probe = probe;
  o.metadata_path = metadata;
  o.show_progress = false;
  return o;
}

}  // namespace reel::test
