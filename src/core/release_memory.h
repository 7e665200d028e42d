// Gives the memory of dropped models back to the system. Dropping a model frees its tensors,
// but glibc keeps freed heap pages for reuse and the CUDA caching allocator keeps freed
// blocks; after the encoders are done (`offload_during_startup`) the trainer wants both back.
#pragma once

namespace reel {

void release_free_memory();

}  // namespace reel
