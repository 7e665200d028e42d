#include "models/fill_parameters.h"

#include <unordered_map>
#include <unordered_set>

#include "core/error.h"
#include "core/shape_text.h"
#include "models/weight_mismatch.h"

namespace reel {

int64_t fill_parameters(const StoredWeights& stored, std::vector<ParameterSlot>& slots,
                        const FillOptions& options) {
  std::unordered_map<std::string, const std::string*> file_name;
  for (const auto& [model_name, in_file] : stored.names) file_name.emplace(model_name, &in_file);

  WeightMismatch mismatch;
  std::unordered_set<std::string> used;
  std::vector<const TensorInfo*> infos(slots.size(), nullptr);
  for (size_t i = 0; i < slots.size(); ++i) {
    auto it = file_name.find(slots[i].name);
    if (it == file_name.end()) {
      mismatch.missing.push_back(stored.shown(slots[i].name));
      continue;
    }
    used.insert(slots[i].name);
    const TensorInfo& info = stored.weights->info(*it->second);
    if (info.shape != slots[i].shape) {
      mismatch.wrong_shape.push_back(*it->second + " " + shape_text(info.shape) + " (expected " +
                                     shape_text(slots[i].shape) + ")");
      continue;
    }
    infos[i] = &info;
  }
  for (const auto& [model_name, in_file] : stored.names) {
    if (!used.count(model_name)) mismatch.unexpected.push_back(in_file);
  }
  for (const auto& s : stored.unknown) mismatch.unexpected.push_back(s);
  if (!mismatch.empty()) {
    throw Error("the weights do not fit " + options.model + ": " + mismatch.summary())
        .file(stored.weights->path().string())
        .hint(options.hint);
  }

  int64_t count = 0;
  for (size_t i = 0; i < slots.size(); ++i) {
    at::Tensor t = stored.weights->tensor(infos[i]->name);
    // As stored to the device first, so a conversion of a large model runs there.
    if (!options.device.is_cpu()) t = t.to(options.device);
    if (t.scalar_type() != options.dtype) t = t.to(options.dtype);
    *slots[i].tensor = std::move(t);
    count += infos[i]->numel();
  }
  return count;
}

}  // namespace reel
