#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include "models/wan/wan_i2v_inputs.h"
#include "support/error_of.h"

namespace reel {
namespace {

TEST(ModelInputs, FirstFrameMaskIsOneOnTheFirstLatentFrameOnly) {
  at::Tensor latents = at::randn({2, 16, 3, 4, 5});
  at::Tensor mask = first_frame_mask(latents);
  EXPECT_EQ(mask.sizes(), (std::vector<int64_t>{2, 4, 3, 4, 5}));
  EXPECT_EQ(mask.select(2, 0).min().item<float>(), 1.0f);
  EXPECT_EQ(mask.narrow(2, 1, 2).abs().max().item<float>(), 0.0f);
}

TEST(ModelInputs, ImageToVideoConcatenatesNoisyMaskAndCondition) {
  at::Tensor noisy = at::randn({1, 16, 2, 4, 6});
  at::Tensor condition = at::randn({1, 16, 2, 4, 6});
  at::Tensor h = image_to_video_hidden_states(noisy, condition);
  ASSERT_EQ(h.size(1), 36);
  EXPECT_TRUE(at::equal(h.narrow(1, 0, 16), noisy));
  EXPECT_TRUE(at::equal(h.narrow(1, 16, 4), first_frame_mask(noisy)));
  EXPECT_TRUE(at::equal(h.narrow(1, 20, 16), condition));
  std::string e = test::error_of([&] {
    image_to_video_hidden_states(noisy, at::randn({1, 16, 1, 4, 6}));
  });
  EXPECT_TRUE(test::contains_text(e, "[1, 16, 1, 4, 6]")) << e;
}

}  // namespace
}  // namespace reel
