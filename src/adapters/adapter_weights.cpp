#include "adapters/adapter_weights.h"

#include "core/error.h"

namespace reel {

std::string_view adapter_algo_name(AdapterAlgo algo) {
  switch (algo) {
    case AdapterAlgo::kLora:
      return "lora";
    case AdapterAlgo::kLoCon:
      return "locon";
    case AdapterAlgo::kLoHa:
      return "loha";
    case AdapterAlgo::kLoKr:
      return "lokr";
  }
  return "?";
}

bool is_lycoris_algo(AdapterAlgo algo) {
  return algo != AdapterAlgo::kLora;
}

const at::Tensor& AdapterWeights::at(const std::string& name, const std::string& module) const {
  auto it = tensors.find(name);
  if (it == tensors.end()) {
    throw Error(std::string(adapter_algo_name(algo)) + " weights of '" + module + "' lack '" +
                name + "'")
        .key(module)
        .hint("the adapter file is incomplete or mixes algorithms for one module");
  }
  return it->second;
}

}  // namespace reel
