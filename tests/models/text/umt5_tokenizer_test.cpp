#include "models/text/umt5_tokenizer.h"

#include <gtest/gtest.h>

#include "models/text/umt5_fixture.h"
#include "support/error_of.h"

namespace reel {
namespace {

using test::umt5_case;
using test::umt5_dir;
using test::umt5_fixture;

const char* const kGroups[] = {"short", "long"};

std::vector<int64_t> ids_of(const nlohmann::json& j) {
  return j.get<std::vector<int64_t>>();
}

TEST(Umt5Tokenizer, CleansEveryFixturePromptAsThePipeline) {
  for (const char* group : kGroups) {
    for (const auto& p : umt5_fixture().at("groups").at(group).at("prompts")) {
      EXPECT_EQ(clean_prompt(p.at("raw").get<std::string>()), p.at("cleaned").get<std::string>())
          << group;
    }
  }
}

TEST(Umt5Tokenizer, PiecesAndIdsMatchSentencepieceForBothModels) {
  const Umt5Tokenizer tok = Umt5Tokenizer::load(umt5_dir() / "tokenizer");
  const Umt5Tokenizer nbf = Umt5Tokenizer::load(umt5_dir() / "tokenizer_no_byte_fallback");
  EXPECT_EQ(tok.vocab_size(), 938);
  EXPECT_EQ(nbf.vocab_size(), 682);
  int checked = 0;
  for (const char* group : kGroups) {
    for (const auto& p : umt5_fixture().at("groups").at(group).at("prompts")) {
      const std::string cleaned = p.at("cleaned").get<std::string>();
      EXPECT_EQ(tok.piece_ids(cleaned), ids_of(p.at("sp_ids_before_eos_and_truncation")));
      EXPECT_EQ(tok.pieces(cleaned), p.at("pieces").get<std::vector<std::string>>());
      const auto& n = p.at("no_byte_fallback");
      EXPECT_EQ(nbf.piece_ids(cleaned), ids_of(n.at("sp_ids_before_eos_and_truncation")));
      EXPECT_EQ(nbf.pieces(cleaned), n.at("pieces").get<std::vector<std::string>>());
      ++checked;
    }
  }
  EXPECT_EQ(checked, 7);
}

TEST(Umt5Tokenizer, EncodeMatchesEveryCaseExactly) {
  const Umt5Tokenizer tok = Umt5Tokenizer::load(umt5_dir() / "tokenizer");
  const Umt5Tokenizer nbf = Umt5Tokenizer::load(umt5_dir() / "tokenizer_no_byte_fallback");
  for (const std::string group : kGroups) {
    const auto prompts = test::umt5_raw_prompts(group);
    const int64_t text_len = test::umt5_text_len(group);
    const TokenizedPrompts t = tok.encode(prompts, text_len);
    EXPECT_TRUE(at::equal(t.input_ids, umt5_case(group + "/input_ids"))) << group;
    EXPECT_TRUE(at::equal(t.attention_mask, umt5_case(group + "/attention_mask"))) << group;
    EXPECT_TRUE(at::equal(t.seq_lens, umt5_case(group + "/seq_lens"))) << group;
    EXPECT_EQ(t.input_ids.scalar_type(), at::kLong);
    const TokenizedPrompts u = nbf.encode(prompts, text_len);
    EXPECT_TRUE(at::equal(u.input_ids, umt5_case(group + "/no_byte_fallback/input_ids"))) << group;
    EXPECT_TRUE(at::equal(u.attention_mask, umt5_case(group + "/no_byte_fallback/attention_mask")))
        << group;
    // seq_len and truncation as the fixture says.
    const auto& fp = umt5_fixture().at("groups").at(group).at("prompts");
    for (size_t i = 0; i < fp.size(); ++i) {
      EXPECT_EQ(t.seq_lens[i].item<int64_t>(), fp[i].at("seq_len").get<int64_t>());
      if (fp[i].at("truncated").get<bool>()) {
        EXPECT_EQ(t.seq_lens[i].item<int64_t>(), text_len);
        EXPECT_EQ(t.input_ids[i][text_len - 1].item<int64_t>(), 1);  // </s> kept
      }
    }
  }
}

TEST(Umt5Tokenizer, EmptyPromptIsEosThenPadding) {
  const Umt5Tokenizer tok = Umt5Tokenizer::load(umt5_dir() / "tokenizer");
  const TokenizedPrompts t = tok.encode({"", " \t\n"}, 8);
  const at::Tensor expected = at::tensor({1, 0, 0, 0, 0, 0, 0, 0}, at::kLong);
  for (int i = 0; i < 2; ++i) {
    EXPECT_TRUE(at::equal(t.input_ids[i], expected));
    EXPECT_TRUE(at::equal(t.attention_mask[i], expected));
    EXPECT_EQ(t.seq_lens[i].item<int64_t>(), 1);
  }
}

TEST(Umt5Tokenizer, TruncatesToTextLenMinusOneAndKeepsEos) {
  const Umt5Tokenizer tok = Umt5Tokenizer::load(umt5_dir());  // finds tokenizer/spiece.model
  const TokenizedPrompts one = tok.encode({"a red fox runs"}, 1);
  EXPECT_TRUE(at::equal(one.input_ids, at::ones({1, 1}, at::kLong)));
  const std::vector<int64_t> ids = tok.piece_ids("a red fox runs");
  ASSERT_GT(ids.size(), 3u);
  const TokenizedPrompts t = tok.encode({"a red fox runs"}, 4);
  EXPECT_TRUE(
      at::equal(t.input_ids[0], at::tensor({ids[0], ids[1], ids[2], int64_t{1}}, at::kLong)));
  EXPECT_EQ(t.attention_mask.sum().item<int64_t>(), 4);
}

TEST(Umt5Tokenizer, HtmlUnescapeAsPython) {
  EXPECT_EQ(html_unescape("fox &amp; bird"), "fox & bird");
  EXPECT_EQ(html_unescape("&amp;amp;"), "&amp;");
  EXPECT_EQ(clean_prompt("&amp;amp;"), "&");  // unescaped twice
  EXPECT_EQ(clean_prompt("&amp;amp;amp;"), "&amp;");
  EXPECT_EQ(html_unescape("&lt;b&gt; &quot;hi&quot; &apos;x&apos;"), "<b> \"hi\" 'x'");
  EXPECT_EQ(html_unescape("&#x1F98A; &#65;&#66 &#X41;"), "\xF0\x9F\xA6\x8A AB A");
  EXPECT_EQ(html_unescape("&#128; &#0; &#xD800; &#1;x"),
            "\xE2\x82\xAC \xEF\xBF\xBD \xEF\xBF\xBD x");
  EXPECT_EQ(html_unescape("&ampfoo &copy2026 &nbsp;"),
            "&foo \xC2\xA9"
            "2026 \xC2\xA0");
  EXPECT_EQ(html_unescape("&bogus; & &; &#; &#x;"), "&bogus; & &; &#; &#x;");
  EXPECT_EQ(html_unescape("caf&eacute; &mdash; &hellip;"), "caf\xC3\xA9 \xE2\x80\x94 \xE2\x80\xA6");
}

TEST(Umt5Tokenizer, CleanCollapsesUnicodeWhitespace) {
  EXPECT_EQ(clean_prompt("  a\t\tb\n\nc\xE3\x80\x80"
                         "d\xC2\xA0\xC2\xA0"
                         "e  "),
            "a b c d e");
  EXPECT_EQ(clean_prompt("&nbsp;x&nbsp;"), "x");  // unescaped, then stripped
  EXPECT_EQ(clean_prompt(""), "");
}

TEST(Umt5Tokenizer, UncurlsQuotesAsFtfy) {
  // it’s “ok”
  EXPECT_EQ(clean_prompt("it\xE2\x80\x99s \xE2\x80\x9Cok\xE2\x80\x9D"), "it's \"ok\"");
  EXPECT_EQ(clean_prompt("it\xE2\x80\x99s", /*uncurl_quotes=*/false), "it\xE2\x80\x99s");
}

TEST(Umt5Tokenizer, LoadErrorsNameThePath) {
  const std::string e = test::error_of([] { Umt5Tokenizer::load("/nonexistent/tokenizer"); });
  EXPECT_TRUE(test::contains_text(e, "/nonexistent/tokenizer")) << e;
  EXPECT_TRUE(test::contains_text(e, "spiece.model")) << e;
}

// Links libtorch and libsentencepiece in one binary (as `reel` does) and tokenizes: guards
// against a protobuf symbol clash between the two at load time.
TEST(Umt5Tokenizer, DescribeTokenizationRunsBesideLibtorch) {
  const std::string d =
      describe_tokenization(umt5_dir() / "tokenizer", "A red fox &amp; a bird", 8);
  EXPECT_TRUE(test::contains_text(d, "cleaned: A red fox & a bird")) << d;
  EXPECT_TRUE(test::contains_text(d, "truncated")) << d;
  EXPECT_TRUE(test::contains_text(d, "264 406 307")) << d;
}

}  // namespace
}  // namespace reel
