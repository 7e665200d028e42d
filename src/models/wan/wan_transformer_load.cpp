// load_wan_transformer: kept apart from the checkpoint reading (wan_transformer_loader.cpp)
// so that code which only reads checkpoints does not link the model.
#include "core/dtype.h"
#include "core/log.h"
#include "models/wan/wan_config_io.h"
#include "models/wan/wan_transformer_loader.h"

namespace reel {

WanTransformer load_wan_transformer(const std::filesystem::path& path,
                                    const WanLoadOptions& options) {
  return load_wan_transformer(open_wan_checkpoint(path, options), options);
}

WanTransformer load_wan_transformer(const WanCheckpoint& ck, const WanLoadOptions& options) {
  WanTransformer model(ck.config);
  std::vector<ParameterSlot> slots = model.parameters();
  const int64_t count = fill_wan_parameters(ck, slots, options);
  log::info("loaded Wan transformer ", ck.path.string(), ": ", ck.layout.description());
  log::info("  config ", describe_wan_config(ck.config), " (", ck.config_source, ")");
  log::info("  ", slots.size(), " tensors, ", count, " parameters as ", dtype_name(options.dtype),
            " on ", options.device.str());
  return model;
}

}  // namespace reel
