#include "nn/checkpoint.h"

#include <ATen/ATen.h>
#include <torch/csrc/autograd/autograd.h>
#include <torch/csrc/autograd/custom_function.h>

#include <memory>
#include <utility>

namespace reel::nn {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// The block, kept alive in the autograd context until backward.
struct BlockHolder : torch::CustomClassHolder {
  CheckpointedBlock block;
  size_t num_inputs = 0;  // the first num_inputs tensors go to the block; the rest are params
};

struct CheckpointFunction : torch::autograd::Function<CheckpointFunction> {
  static variable_list forward(AutogradContext* ctx, c10::intrusive_ptr<BlockHolder> holder,
                               at::TensorList all) {
    // Autograd is off in here: nothing of the block's graph is kept.
    std::vector<at::Tensor> inputs(all.begin(), all.begin() + holder->num_inputs);
    at::Tensor out = holder->block(inputs);
    ctx->save_for_backward(all.vec());
    ctx->saved_data["block"] = c10::IValue::make_capsule(holder);
    return {out};
  }

  static variable_list backward(AutogradContext* ctx, variable_list grad_outputs) {
    const auto holder =
        c10::static_intrusive_pointer_cast<BlockHolder>(ctx->saved_data["block"].toCapsule());
    const variable_list saved = ctx->get_saved_variables();
    const size_t n = holder->num_inputs;

    at::AutoGradMode grad_mode(true);
    // Fresh leaves for the inputs, so the rerun's graph ends at them; the parameters are the
    // very tensors the block closes over.
    std::vector<at::Tensor> inputs;
    std::vector<at::Tensor> wrt;
    std::vector<size_t> wrt_index;  // position in `saved` of each tensor in `wrt`
    for (size_t i = 0; i < saved.size(); ++i) {
      const at::Tensor& t = saved[i];
      if (i < n) {
        at::Tensor leaf = t.defined() ? t.detach().requires_grad_(t.requires_grad()) : t;
        inputs.push_back(leaf);
        if (leaf.defined() && leaf.requires_grad()) {
          wrt.push_back(leaf);
          wrt_index.push_back(i);
        }
      } else if (t.defined() && t.requires_grad()) {
        wrt.push_back(t);
        wrt_index.push_back(i);
      }
    }
    const at::Tensor out = holder->block(inputs);

    variable_list grads(saved.size() + 1);  // [0]: the holder (no gradient)
    if (!wrt.empty() && out.requires_grad() && grad_outputs[0].defined()) {
      const variable_list g = torch::autograd::grad({out}, wrt, {grad_outputs[0]},
                                                    /*retain_graph=*/false,
                                                    /*create_graph=*/false, /*allow_unused=*/true);
      for (size_t j = 0; j < g.size(); ++j) grads[wrt_index[j] + 1] = g[j];
    }
    return grads;
  }
};

}  // namespace

at::Tensor checkpoint(CheckpointedBlock block, const std::vector<at::Tensor>& inputs,
                      const std::vector<at::Tensor>& parameters) {
  bool any_grad = false;
  for (const auto* list : {&inputs, &parameters}) {
    for (const at::Tensor& t : *list) any_grad = any_grad || (t.defined() && t.requires_grad());
  }
  if (!c10::GradMode::is_enabled() || !any_grad) return block(inputs);

  auto holder = c10::make_intrusive<BlockHolder>();
  holder->block = std::move(block);
  holder->num_inputs = inputs.size();
  std::vector<at::Tensor> all = inputs;
  for (const at::Tensor& p : parameters) {
    if (p.defined() && p.requires_grad()) all.push_back(p);
  }
  return CheckpointFunction::apply(holder, at::TensorList(all))[0];
}

}  // namespace reel::nn
