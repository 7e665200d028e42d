#include "core/release_memory.h"

#include <ATen/cuda/CUDAContext.h>
#include <c10/cuda/CUDACachingAllocator.h>
#include <malloc.h>

namespace reel {

void release_free_memory() {
  if (at::cuda::is_available()) c10::cuda::CUDACachingAllocator::emptyCache();
  // Every arena, including the ones libtorch's worker threads allocated from.
  malloc_trim(0);
}

}  // namespace reel
