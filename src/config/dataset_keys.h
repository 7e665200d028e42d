// Which dataset keys Reel knows. Three kinds: the keys Reel implements (spec/dataloader.md §1
// and its video block), the other keys SimpleTuner reads (st_dataset_keys.tsv, compiled in),
// accepted with a "not supported" warning, and everything else, which is a likely typo.
//
// Names are written as in the TSV: top-level keys plain, keys of a block as `video.num_frames`,
// keys of the objects in a list as `crop_aspect_buckets[].weight`.
#pragma once

#include <string>
#include <vector>

namespace reel {

enum class DatasetKeyKind { kReel, kSimpleTunerOnly, kUnknown };

DatasetKeyKind classify_dataset_key(const std::string& name);

// The keys Reel implements, in the spec's order.
const std::vector<std::string>& reel_dataset_keys();

// Every known key (Reel's and ST's) directly inside `block` ("" for the top level, "video" for
// the video block), written in full: the candidates for a did-you-mean.
std::vector<std::string> known_dataset_keys_in(const std::string& block);

}  // namespace reel
