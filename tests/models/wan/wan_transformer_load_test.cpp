// load_wan_transformer with the real model: its parameters() against the fixtures, and the
// forward pass of both layouts against the fixture's expected outputs.
#include <gtest/gtest.h>

#include "models/wan/wan_config_io.h"
#include "models/wan/wan_test_support.h"
#include "models/wan/wan_transformer_loader.h"

namespace reel {
namespace {

namespace fs = std::filesystem;
using test::fixture;

WanLoadOptions options_for(const test::WanFixture& f) {
  WanLoadOptions o;
  o.num_heads = 4;
  o.subfolder = f.subfolder;
  return o;
}

// The fixture case's inputs ("case1/", "low_case1/", ...).
WanInputs case_inputs(const SafetensorsSet& cases, const std::string& prefix) {
  WanInputs in;
  in.hidden_states = cases.tensor(prefix + "hidden_states");
  in.timestep = cases.tensor(prefix + "timestep");
  in.encoder_hidden_states = cases.tensor(prefix + "encoder_hidden_states");
  if (cases.contains(prefix + "encoder_hidden_states_image")) {
    in.encoder_hidden_states_image = cases.tensor(prefix + "encoder_hidden_states_image");
  }
  return in;
}

double max_abs_diff(const at::Tensor& a, const at::Tensor& b) {
  return (a.to(at::kFloat) - b.to(at::kFloat)).abs().max().item<double>();
}

TEST(WanTransformerLoad, ModelParametersAreTheDiffusersFixtureTensors) {
  for (const auto& f : test::wan_fixtures()) {
    WanCheckpoint ck = open_wan_checkpoint(fixture(f.dir), options_for(f));
    WanTransformer model(ck.config);
    std::map<std::string, std::vector<int64_t>> expected;
    for (const auto& t : ck.weights.tensors()) expected[t.name] = t.shape;
    std::map<std::string, std::vector<int64_t>> actual;
    for (const auto& slot : model.parameters()) actual[slot.name] = slot.shape;
    EXPECT_EQ(actual, expected) << f.dir << "/" << f.subfolder;
  }
}

TEST(WanTransformerLoad, BothLayoutsGiveIdenticalParameters) {
  for (const auto& f : test::wan_fixtures()) {
    WanTransformer a = load_wan_transformer(fixture(f.dir), options_for(f));
    WanTransformer b = load_wan_transformer(fixture(f.dir) / f.original, options_for(f));
    EXPECT_EQ(a.config(), b.config());
    auto pa = a.parameters(), pb = b.parameters();
    ASSERT_EQ(pa.size(), pb.size());
    for (size_t i = 0; i < pa.size(); ++i) {
      ASSERT_EQ(pa[i].name, pb[i].name);
      ASSERT_TRUE(pa[i].tensor->defined()) << pa[i].name;
      EXPECT_TRUE(at::equal(*pa[i].tensor, *pb[i].tensor)) << f.original << ": " << pa[i].name;
    }
  }
}

TEST(WanTransformerLoad, BothLayoutsGiveTheFixtureSample) {
  for (const auto& f : test::wan_fixtures()) {
    const std::string prefix = f.subfolder == "transformer_2" ? "low_case1/" : "case1/";
    SafetensorsSet cases = SafetensorsSet::open(fixture(f.dir) / "cases.safetensors");
    WanInputs in = case_inputs(cases, prefix);
    WanOutputs from_folder = load_wan_transformer(fixture(f.dir), options_for(f)).forward(in);
    WanOutputs from_file =
        load_wan_transformer(fixture(f.dir) / f.original, options_for(f)).forward(in);
    EXPECT_TRUE(at::equal(from_folder.sample, from_file.sample)) << f.original;
    EXPECT_LT(max_abs_diff(from_folder.sample, cases.tensor(prefix + "sample")), 1e-4)
        << f.dir << " " << prefix;
    EXPECT_LT(max_abs_diff(from_folder.temb, cases.tensor(prefix + "temb")), 1e-4);
    EXPECT_LT(max_abs_diff(from_folder.timestep_proj, cases.tensor(prefix + "timestep_proj")),
              1e-4);
  }
}

}  // namespace
}  // namespace reel
