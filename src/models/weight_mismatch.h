// How a checkpoint's tensors differ from what a model expects, reported by every loader in
// one form: counts first, then the first few names of each kind.
#pragma once

#include <string>
#include <vector>

namespace reel {

struct WeightMismatch {
  std::vector<std::string> missing;      // the model needs them, the file lacks them
  std::vector<std::string> unexpected;   // the file has them, the model has no place for them
  std::vector<std::string> wrong_shape;  // "name [a, b] (expected [c, d])"

  bool empty() const { return missing.empty() && unexpected.empty() && wrong_shape.empty(); }
  // "1 missing, 2 unexpected\n  missing (1): a\n  unexpected (2): b, c"; each list shows the
  // first five names and "... and N more".
  std::string summary() const;
};

}  // namespace reel
