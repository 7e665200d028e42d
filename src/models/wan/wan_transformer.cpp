#include "models/wan/wan_transformer.h"
#include "core/shape_text.h"

#include <ATen/ATen.h>

#include <c10/core/GradMode.h>
#include <c10/util/accumulate.h>

#include <algorithm>
#include <cmath>
#include <optional>

#include "core/error.h"
#include "models/wan/wan_block.h"
#include "models/wan/wan_embeddings.h"
#include "nn/checkpoint.h"
#include "nn/feed_forward.h"
#include "nn/rotary.h"

// Casting points (see also wan_block.h): the sinusoid in float64; time_embedder and time_proj
// (temb, timestep_proj) in float32 as the official model runs them; patch embedding, text and
// image embedders, blocks and proj_out in the compute dtype, with the norms and modulations in
// float32. `sample` is returned as float32 (the official model's final `.float()`).

namespace reel {
namespace {

// The official model pads every text context to this many tokens before text_embedding and
// attends over all of them (wan/modules/model.py text_len; diffusers' max_sequence_length).
constexpr int64_t kTextLength = 512;

}  // namespace

struct WanTransformer::Layers {
  at::Tensor patch_weight;  // patch_embedding.weight [dim, in, pt, ph, pw]
  at::Tensor patch_bias;    // [dim]
  wan::WanTimeEmbedding time;
  wan::WanTextEmbedding text;
  std::optional<wan::WanImageEmbedding> image;
  std::vector<wan::WanBlock> blocks;
  nn::LayerNorm norm_out;
  at::Tensor scale_shift_table;  // [1, 2, dim]
  nn::Linear proj_out;
};

WanTransformer::WanTransformer(WanConfig config)
    : config_(std::move(config)), layers_(std::make_unique<Layers>()) {
  const WanConfig& c = config_;
  if (c.qk_norm != "rms_norm_across_heads") {
    throw Error("Wan qk_norm '" + c.qk_norm + "' is not supported")
        .key("qk_norm")
        .hint("every Wan 2.1/2.2 model uses rms_norm_across_heads");
  }
  if (c.pos_embed_seq_len) {
    throw Error("Wan pos_embed_seq_len (first-last-frame models) is not supported")
        .key("pos_embed_seq_len");
  }
  if (c.attention_head_dim % 2 != 0 || c.num_attention_heads <= 0 || c.num_layers < 0) {
    throw Error("Wan config has attention_head_dim " + std::to_string(c.attention_head_dim) +
                " and num_attention_heads " + std::to_string(c.num_attention_heads))
        .hint("head_dim must be even and the head count positive");
  }
  if (c.image_dim.has_value() != c.added_kv_proj_dim.has_value() ||
      (c.added_kv_proj_dim && *c.added_kv_proj_dim != c.dim())) {
    throw Error("Wan image branch needs image_dim and added_kv_proj_dim (= dim " +
                std::to_string(c.dim()) + ") together")
        .key(c.image_dim ? "added_kv_proj_dim" : "image_dim");
  }

  Layers& l = *layers_;
  l.time.freq_dim = c.freq_dim;
  if (c.image_dim) {
    l.image.emplace();
    l.image->norm1.eps = 1e-5;  // diffusers' WanImageEmbedding / official img_emb LayerNorm
    l.image->norm2.eps = 1e-5;
    l.image->ff.gelu = nn::FeedForward::Gelu::kErf;
  }
  l.blocks.resize(c.num_layers);
  for (wan::WanBlock& b : l.blocks) {
    b.cross_attn_norm = c.cross_attn_norm;
    b.norm1.eps = b.norm2.eps = b.norm3.eps = c.eps;
    for (wan::WanAttention* a : {&b.attn1, &b.attn2}) {
      a->heads = c.num_attention_heads;
      a->norm_q.eps = a->norm_k.eps = a->norm_added_k.eps = c.eps;
    }
    b.attn2.has_added_kv = c.added_kv_proj_dim.has_value();
  }
  l.norm_out.eps = c.eps;
}

WanTransformer::~WanTransformer() = default;
WanTransformer::WanTransformer(WanTransformer&&) noexcept = default;
WanTransformer& WanTransformer::operator=(WanTransformer&&) noexcept = default;

std::vector<ParameterSlot> WanTransformer::parameters() {
  const WanConfig& c = config_;
  const int64_t dim = c.dim();
  Layers& l = *layers_;
  std::vector<ParameterSlot> out;
  const auto add = [&out](std::string name, std::vector<int64_t> shape, at::Tensor* t) {
    out.push_back({std::move(name), std::move(shape), t});
  };
  const auto linear = [&add](const std::string& name, int64_t out_f, int64_t in_f,
                             nn::Linear* lin) {
    add(name + ".weight", {out_f, in_f}, &lin->weight);
    add(name + ".bias", {out_f}, &lin->bias);
  };
  const auto& p = c.patch_size;
  add("patch_embedding.weight", {dim, c.in_channels, p[0], p[1], p[2]}, &l.patch_weight);
  add("patch_embedding.bias", {dim}, &l.patch_bias);
  const std::string ce = "condition_embedder.";
  linear(ce + "time_embedder.linear_1", dim, c.freq_dim, &l.time.linear_1);
  linear(ce + "time_embedder.linear_2", dim, dim, &l.time.linear_2);
  linear(ce + "time_proj", 6 * dim, dim, &l.time.time_proj);
  linear(ce + "text_embedder.linear_1", dim, c.text_dim, &l.text.linear_1);
  linear(ce + "text_embedder.linear_2", dim, dim, &l.text.linear_2);
  if (l.image) {
    const int64_t image_dim = *c.image_dim;
    const std::string ie = ce + "image_embedder.";
    add(ie + "norm1.weight", {image_dim}, &l.image->norm1.weight);
    add(ie + "norm1.bias", {image_dim}, &l.image->norm1.bias);
    linear(ie + "ff.net.0.proj", image_dim, image_dim, &l.image->ff.proj);
    linear(ie + "ff.net.2", dim, image_dim, &l.image->ff.out);
    add(ie + "norm2.weight", {dim}, &l.image->norm2.weight);
    add(ie + "norm2.bias", {dim}, &l.image->norm2.bias);
  }
  for (size_t i = 0; i < l.blocks.size(); ++i) {
    wan::WanBlock& b = l.blocks[i];
    const std::string bn = "blocks." + std::to_string(i) + ".";
    for (auto [name, a] : {std::pair{"attn1", &b.attn1}, std::pair{"attn2", &b.attn2}}) {
      const std::string an = bn + name + ".";
      linear(an + "to_q", dim, dim, &a->to_q);
      linear(an + "to_k", dim, dim, &a->to_k);
      linear(an + "to_v", dim, dim, &a->to_v);
      linear(an + "to_out.0", dim, dim, &a->to_out);
      add(an + "norm_q.weight", {dim}, &a->norm_q.weight);
      add(an + "norm_k.weight", {dim}, &a->norm_k.weight);
      if (a->has_added_kv) {
        linear(an + "add_k_proj", dim, *c.added_kv_proj_dim, &a->add_k_proj);
        linear(an + "add_v_proj", dim, *c.added_kv_proj_dim, &a->add_v_proj);
        add(an + "norm_added_k.weight", {dim}, &a->norm_added_k.weight);
      }
    }
    if (b.cross_attn_norm) {
      add(bn + "norm2.weight", {dim}, &b.norm2.weight);
      add(bn + "norm2.bias", {dim}, &b.norm2.bias);
    }
    linear(bn + "ffn.net.0.proj", c.ffn_dim, dim, &b.ffn.proj);
    linear(bn + "ffn.net.2", dim, c.ffn_dim, &b.ffn.out);
    add(bn + "scale_shift_table", {1, 6, dim}, &b.scale_shift_table);
  }
  add("scale_shift_table", {1, 2, dim}, &l.scale_shift_table);
  linear("proj_out", p[0] * p[1] * p[2] * c.out_channels, dim, &l.proj_out);
  return out;
}

std::vector<std::pair<std::string, nn::Linear*>> WanTransformer::linears() {
  Layers& l = *layers_;
  std::vector<std::pair<std::string, nn::Linear*>> out;
  const std::string ce = "condition_embedder.";
  out.emplace_back(ce + "time_embedder.linear_1", &l.time.linear_1);
  out.emplace_back(ce + "time_embedder.linear_2", &l.time.linear_2);
  out.emplace_back(ce + "time_proj", &l.time.time_proj);
  out.emplace_back(ce + "text_embedder.linear_1", &l.text.linear_1);
  out.emplace_back(ce + "text_embedder.linear_2", &l.text.linear_2);
  if (l.image) {
    out.emplace_back(ce + "image_embedder.ff.net.0.proj", &l.image->ff.proj);
    out.emplace_back(ce + "image_embedder.ff.net.2", &l.image->ff.out);
  }
  for (size_t i = 0; i < l.blocks.size(); ++i) {
    wan::WanBlock& b = l.blocks[i];
    const std::string bn = "blocks." + std::to_string(i) + ".";
    for (auto [name, a] : {std::pair{"attn1", &b.attn1}, std::pair{"attn2", &b.attn2}}) {
      const std::string an = bn + name + ".";
      out.emplace_back(an + "to_q", &a->to_q);
      out.emplace_back(an + "to_k", &a->to_k);
      out.emplace_back(an + "to_v", &a->to_v);
      out.emplace_back(an + "to_out.0", &a->to_out);
      if (a->has_added_kv) {
        out.emplace_back(an + "add_k_proj", &a->add_k_proj);
        out.emplace_back(an + "add_v_proj", &a->add_v_proj);
      }
    }
    out.emplace_back(bn + "ffn.net.0.proj", &b.ffn.proj);
    out.emplace_back(bn + "ffn.net.2", &b.ffn.out);
  }
  out.emplace_back("proj_out", &l.proj_out);
  return out;
}

void WanTransformer::init_random(uint64_t seed, at::ScalarType dtype) {
  at::Generator gen = at::detail::createCPUGenerator(seed);
  const auto f32 = at::TensorOptions().dtype(at::kFloat);
  for (ParameterSlot& slot : parameters()) {
    const std::string& n = slot.name;
    const auto ends_with = [&n](const std::string& tail) {
      return n.size() >= tail.size() && n.compare(n.size() - tail.size(), tail.size(), tail) == 0;
    };
    at::Tensor t = at::randn(slot.shape, gen, f32);
    if (slot.shape.size() >= 2 && !ends_with("scale_shift_table")) {
      // Matrices (and the patch kernel): 1/sqrt(fan_in) keeps activations O(1).
      const int64_t fan_in = c10::multiply_integers(slot.shape) / slot.shape[0];
      t = t / std::sqrt(static_cast<double>(fan_in));
    } else if (ends_with(".weight")) {
      t = 1.0 + 0.1 * t;  // norm scales
    } else {
      t = 0.1 * t;  // biases, modulation tables
    }
    *slot.tensor = t.to(dtype);
  }
}

void WanTransformer::to(at::Device device, at::ScalarType dtype) {
  for (ParameterSlot& slot : parameters()) {
    if (slot.tensor->defined()) *slot.tensor = slot.tensor->to(device, dtype);
  }
}

WanOutputs WanTransformer::forward(const WanInputs& in, const WanRunOptions& run) const {
  const WanConfig& c = config_;
  const Layers& l = *layers_;
  const at::ScalarType dtype = run.compute_dtype;
  if (dtype != at::kFloat && dtype != at::kBFloat16 && dtype != at::kHalf) {
    throw Error(std::string("Wan compute dtype ") + c10::toString(dtype) + " is not supported")
        .hint("use float32, bfloat16 or float16");
  }
  if (run.gradient_checkpointing && run.checkpoint_interval < 1) {
    throw Error("checkpoint interval " + std::to_string(run.checkpoint_interval) +
                " is not a positive block count");
  }
  if (!l.patch_weight.defined()) throw Error("the Wan transformer has no weights loaded");
  for (int64_t b : run.skip_blocks) {
    if (b < 0 || b >= static_cast<int64_t>(l.blocks.size())) {
      throw Error("skip-layer block " + std::to_string(b) + " is not a block of this model (0 to " +
                  std::to_string(l.blocks.size() - 1) + ")")
          .key("validation_guidance_skip_layers");
    }
  }

  // Patchify: Conv3d with kernel = stride = patch, as a linear over each patch's values
  // (channel-major, then pt, ph, pw: the kernel's layout). Tokens in (f, h, w) order.
  const at::Tensor& hs = in.hidden_states;
  const auto& p = c.patch_size;
  if (hs.dim() != 5 || hs.size(1) != c.in_channels || hs.size(2) % p[0] || hs.size(3) % p[1] ||
      hs.size(4) % p[2]) {
    throw Error("Wan hidden_states " + shape_text(hs.sizes()) + " is not [B, " +
                std::to_string(c.in_channels) + ", F, H, W] with F, H, W multiples of " +
                shape_text(p));
  }
  const int64_t batch = hs.size(0);
  const std::array<int64_t, 3> grid = {hs.size(2) / p[0], hs.size(3) / p[1], hs.size(4) / p[2]};
  const int64_t tokens = grid[0] * grid[1] * grid[2];
  at::Tensor x = hs.to(dtype)
                     .view({batch, c.in_channels, grid[0], p[0], grid[1], p[1], grid[2], p[2]})
                     .permute({0, 2, 4, 6, 1, 3, 5, 7})
                     .reshape({batch, tokens, c.in_channels * p[0] * p[1] * p[2]});
  x = at::linear(x, l.patch_weight.to(dtype).flatten(1), l.patch_bias.to(dtype));

  const nn::RotaryTable rope = nn::rotary_3d(grid, c.attention_head_dim, hs.device());

  // Time: [B] -> temb [B, dim], timestep_proj [B, 6, dim]; per token [B, L] -> [B, L, ...].
  const at::Tensor& t = in.timestep;
  if (!(t.dim() == 1 && t.size(0) == batch) &&
      !(t.dim() == 2 && t.size(0) == batch && t.size(1) == tokens)) {
    throw Error("Wan timestep " + shape_text(t.sizes()) + " is neither [" + std::to_string(batch) +
                "] nor [" + std::to_string(batch) + ", " + std::to_string(tokens) +
                "] (per token)");
  }
  const wan::WanTimeEmbedding::Result time = l.time(t);

  // Text, padded with zeros to 512 tokens as the official model does (padding not masked).
  at::Tensor text = in.encoder_hidden_states;
  if (text.dim() != 3 || text.size(0) != batch || text.size(2) != c.text_dim) {
    throw Error("Wan encoder_hidden_states " + shape_text(text.sizes()) + " is not [" +
                std::to_string(batch) + ", L, " + std::to_string(c.text_dim) + "]");
  }
  if (text.size(1) < kTextLength) {
    text = at::constant_pad_nd(text, {0, 0, 0, kTextLength - text.size(1)});
  }
  text = l.text(text.to(dtype));

  at::Tensor image;
  if (l.image) {
    const at::Tensor& img = in.encoder_hidden_states_image;
    if (!img.defined() || img.dim() != 3 || img.size(0) != batch || img.size(2) != *c.image_dim) {
      throw Error("this Wan I2V model needs encoder_hidden_states_image [" + std::to_string(batch) +
                  ", 257, " + std::to_string(*c.image_dim) + "]" +
                  (img.defined() ? ", got " + shape_text(img.sizes()) : std::string()));
    }
    image = (*l.image)(img.to(dtype));
  } else if (in.encoder_hidden_states_image.defined()) {
    throw Error("encoder_hidden_states_image given to a Wan model without an image branch");
  }

  // Blocks.
  const int64_t chunk = nn::feed_forward_chunk_size(run.feed_forward_chunk_size);
  const bool checkpointing = run.gradient_checkpointing && c10::GradMode::is_enabled();
  for (size_t i = 0; i < l.blocks.size(); ++i) {
    const wan::WanBlock* block = &l.blocks[i];
    if (std::find(run.skip_blocks.begin(), run.skip_blocks.end(), static_cast<int64_t>(i)) !=
        run.skip_blocks.end()) {
      continue;
    }
    if (checkpointing && static_cast<int64_t>(i) % run.checkpoint_interval == 0) {
      // The rerun in backward uses `block` (this model must outlive the backward pass).
      const bool has_image = image.defined();
      auto rerun = [block, rope, chunk, has_image](const std::vector<at::Tensor>& v) {
        return (*block)(v[0], v[1], has_image ? v[3] : at::Tensor(), v[2], rope, chunk);
      };
      std::vector<at::Tensor> inputs = {x, text, time.timestep_proj};
      if (has_image) inputs.push_back(image);
      x = nn::checkpoint(rerun, inputs, block->tensors());
    } else {
      x = (*block)(x, text, image, time.timestep_proj, rope, chunk);
    }
  }

  // Head: norm_out, modulated by scale_shift_table + temb (not timestep_proj), proj_out.
  const at::Tensor temb = time.temb.dim() == 2 ? time.temb.unsqueeze(1) : time.temb;
  const at::Tensor e = l.scale_shift_table.to(at::kFloat).unsqueeze(0) + temb.unsqueeze(2);
  at::Tensor out = (l.norm_out(x) * (1 + e.select(2, 1)) + e.select(2, 0)).to(dtype);
  out = l.proj_out(out);

  // Unpatchify: each token's [pt, ph, pw, c] back to its place in [B, c, F, H, W].
  const int64_t oc = c.out_channels;
  out = out.view({batch, grid[0], grid[1], grid[2], p[0], p[1], p[2], oc})
            .permute({0, 7, 1, 4, 2, 5, 3, 6})
            .reshape({batch, oc, grid[0] * p[0], grid[1] * p[1], grid[2] * p[2]});
  return {out.to(at::kFloat), time.temb, time.timestep_proj};
}

}  // namespace reel
