#include "train/stochastic_rounding.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include <mutex>

#include "core/error.h"

namespace reel {

void copy_stochastic_(const at::Tensor& target, const at::Tensor& source,
                      at::Generator& generator) {
  if (target.scalar_type() != at::kBFloat16 || source.scalar_type() != at::kFloat)
    throw Error("stochastic rounding copies float32 into bfloat16");
  const at::Tensor src = source.contiguous();
  // randint takes the generator's lock itself.
  at::Tensor bits = at::randint(0, 1 << 16, src.sizes(), generator, src.options().dtype(at::kInt));
  bits.add_(src.view(at::kInt));
  bits.bitwise_and_(static_cast<int64_t>(-65536));  // 0xFFFF0000: keep the bf16 half
  target.copy_(bits.view(at::kFloat));
}

at::Generator make_seeded_generator(const at::Device& device, uint64_t seed) {
  if (device.is_cpu()) return at::make_generator<at::CPUGeneratorImpl>(seed);
  at::Generator g = at::globalContext().defaultGenerator(device).clone();
  std::lock_guard<std::mutex> lock(g.mutex());
  g.set_current_seed(seed);
  return g;
}

}  // namespace reel
