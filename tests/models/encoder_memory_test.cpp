// The encoders are used once (captions, latents, image embeddings) and then freed before
// training (`offload_during_startup`): dropping a model must give its memory back.
#include <ATen/ATen.h>
#include <c10/util/intrusive_ptr.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "core/release_memory.h"
#include "models/text/umt5_encoder.h"
#include "models/text/umt5_encoder_loader.h"
#include "models/vision/clip_vision_loader.h"
#include "models/wan/wan_vae_loader.h"
#include "test_paths.h"

namespace reel {
namespace {

const std::string kFixtures = REEL_FIXTURES_DIR;

using WeakStorage = c10::weak_intrusive_ptr<c10::StorageImpl>;

std::vector<WeakStorage> watch(std::vector<ParameterSlot> slots) {
  std::vector<WeakStorage> weak;
  for (const auto& s : slots) {
    EXPECT_TRUE(s.tensor->defined()) << s.name;
    weak.emplace_back(s.tensor->storage().getWeakStorageImpl());
  }
  return weak;
}

size_t alive(const std::vector<WeakStorage>& weak) {
  size_t n = 0;
  for (const auto& w : weak) n += !w.expired();
  return n;
}

// Nothing but the model holds its weights (no cache, no global), so destroying it frees
// every one, whichever way it was loaded.
TEST(EncoderMemory, DroppingALoadedEncoderFreesEveryWeight) {
  std::vector<WeakStorage> vae, text, clip;
  {
    WanVae model = load_wan_vae(kFixtures + "/wan21_vae_tiny");
    vae = watch(model.parameters());
    ASSERT_EQ(alive(vae), vae.size());
  }
  EXPECT_EQ(alive(vae), 0u);
  {
    Umt5Encoder model = load_umt5_encoder(kFixtures + "/umt5_tiny/text_encoder");
    text = watch(model.parameters());
    ASSERT_EQ(alive(text), text.size());
  }
  EXPECT_EQ(alive(text), 0u);
  {
    ClipVisionModel model = load_clip_vision(kFixtures + "/clip_vision_tiny/image_encoder");
    clip = watch(model.parameters());
    ASSERT_EQ(alive(clip), clip.size());
  }
  EXPECT_EQ(alive(clip), 0u);
}

int64_t resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  int64_t size = 0, resident = 0;
  statm >> size >> resident;
  return resident * sysconf(_SC_PAGESIZE);
}

// And with release_free_memory() the memory goes back to the system, not only to the
// allocator: a text encoder of ~100 MB is built, used and dropped.
TEST(EncoderMemory, DroppingAnEncoderReturnsItsMemoryToTheSystem) {
  Umt5Config c;
  c.vocab_size = 32000;
  c.d_model = 512;
  c.d_kv = 64;
  c.num_heads = 8;
  c.d_ff = 2048;
  c.num_layers = 2;
  const int64_t before = resident_bytes();
  int64_t model_bytes = 0, loaded = 0;
  {
    Umt5Encoder model(c);
    model.init_random(1);
    for (const auto& s : model.parameters()) model_bytes += s.tensor->nbytes();
    at::Tensor ids = at::ones({1, 8}, at::kLong);
    model.forward(ids, at::ones({1, 8}, at::kLong));
    loaded = resident_bytes();
  }
  release_free_memory();
  const int64_t after = resident_bytes();
  ASSERT_GT(loaded - before, model_bytes / 2) << "the model was never resident";
  EXPECT_LT(after - before, (loaded - before) / 3)
      << "before " << before << ", loaded " << loaded << ", after " << after << " bytes";
}

}  // namespace
}  // namespace reel
