// The dataset summary `reel config check` prints: each entry of multidatabackend.json with
// the settings it resolved to, so a user sees what Reel will train on before a long run.
#pragma once

#include <string>

#include "config/dataset_config.h"

namespace reel {

// One block per entry in file order, e.g.
//   clips (entry 1): local video
//     instance_data_dir    datasets/clips
//     frames               73 per clip (keep 73..any), buckets aspect_ratio, i2v no
std::string format_dataset_configs(const DatasetConfigs& datasets);

}  // namespace reel
