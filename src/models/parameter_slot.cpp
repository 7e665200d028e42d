#include "models/parameter_slot.h"

#include "core/error.h"

namespace reel {

at::TensorOptions loaded_weight_options(const std::vector<ParameterSlot>& slots,
                                        const std::string& model) {
  for (const ParameterSlot& slot : slots) {
    if (slot.tensor->defined()) {
      return at::TensorOptions().device(slot.tensor->device()).dtype(slot.tensor->scalar_type());
    }
  }
  throw Error("the " + model + " has no weights").hint("load it before running it");
}

}  // namespace reel
