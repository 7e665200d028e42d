#include "models/text/umt5_tokenizer.h"

#include <ATen/ATen.h>
#include <sentencepiece_processor.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <sstream>
#include <unordered_map>
#include <utility>

#include "core/error.h"

namespace fs = std::filesystem;

namespace reel {
namespace {

// ---- UTF-8 ------------------------------------------------------------------------------

constexpr char32_t kReplacement = 0xFFFD;

// Decodes one code point at s[i], advancing i; malformed bytes become U+FFFD (one per byte).
char32_t next_code_point(const std::string& s, size_t& i) {
  const auto b = static_cast<unsigned char>(s[i]);
  int extra = 0;
  char32_t c = 0;
  if (b < 0x80) {
    ++i;
    return b;
  } else if ((b & 0xE0) == 0xC0) {
    extra = 1, c = b & 0x1F;
  } else if ((b & 0xF0) == 0xE0) {
    extra = 2, c = b & 0x0F;
  } else if ((b & 0xF8) == 0xF0) {
    extra = 3, c = b & 0x07;
  } else {
    ++i;
    return kReplacement;
  }
  if (i + extra >= s.size()) {
    ++i;
    return kReplacement;
  }
  for (int k = 1; k <= extra; ++k) {
    const auto n = static_cast<unsigned char>(s[i + k]);
    if ((n & 0xC0) != 0x80) {
      ++i;
      return kReplacement;
    }
    c = (c << 6) | (n & 0x3F);
  }
  i += extra + 1;
  return c;
}

void append_utf8(std::string& out, char32_t c) {
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xC0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xE0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (c >> 18));
    out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  }
}

std::u32string decode(const std::string& s) {
  std::u32string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) out += next_code_point(s, i);
  return out;
}

std::string encode(const std::u32string& s) {
  std::string out;
  out.reserve(s.size());
  for (char32_t c : s) append_utf8(out, c);
  return out;
}

// Unicode White_Space: what `regex`'s \s matches.
bool is_regex_space(char32_t c) {
  return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F ||
         c == 0x3000;
}

// Python's str.isspace(), which str.strip() uses: White_Space plus the separators 0x1C-0x1F.
bool is_python_space(char32_t c) {
  return is_regex_space(c) || (c >= 0x1C && c <= 0x1F);
}

std::u32string strip(const std::u32string& s) {
  size_t b = 0, e = s.size();
  while (b < e && is_python_space(s[b])) ++b;
  while (e > b && is_python_space(s[e - 1])) --e;
  return s.substr(b, e - b);
}

// ---- html.unescape -----------------------------------------------------------------------

// The legacy HTML entities that also match without ';': U+00A0..U+00FF in order.
constexpr std::array<const char*, 96> kLatin1Names = {
    "nbsp",   "iexcl",  "cent",   "pound",  "curren", "yen",    "brvbar", "sect",   "uml",
    "copy",   "ordf",   "laquo",  "not",    "shy",    "reg",    "macr",   "deg",    "plusmn",
    "sup2",   "sup3",   "acute",  "micro",  "para",   "middot", "cedil",  "sup1",   "ordm",
    "raquo",  "frac14", "frac12", "frac34", "iquest", "Agrave", "Aacute", "Acirc",  "Atilde",
    "Auml",   "Aring",  "AElig",  "Ccedil", "Egrave", "Eacute", "Ecirc",  "Euml",   "Igrave",
    "Iacute", "Icirc",  "Iuml",   "ETH",    "Ntilde", "Ograve", "Oacute", "Ocirc",  "Otilde",
    "Ouml",   "times",  "Oslash", "Ugrave", "Uacute", "Ucirc",  "Uuml",   "Yacute", "THORN",
    "szlig",  "agrave", "aacute", "acirc",  "atilde", "auml",   "aring",  "aelig",  "ccedil",
    "egrave", "eacute", "ecirc",  "euml",   "igrave", "iacute", "icirc",  "iuml",   "eth",
    "ntilde", "ograve", "oacute", "ocirc",  "otilde", "ouml",   "divide", "oslash", "ugrave",
    "uacute", "ucirc",  "uuml",   "yacute", "thorn",  "yuml"};

// Named entities that need their ';' (a common subset of HTML5's 2231 names).
const std::pair<const char*, char32_t> kSemicolonNames[] = {
    {"apos", 0x27},     {"OElig", 0x152},   {"oelig", 0x153},  {"Scaron", 0x160},
    {"scaron", 0x161},  {"Yuml", 0x178},    {"fnof", 0x192},   {"circ", 0x2C6},
    {"tilde", 0x2DC},   {"ensp", 0x2002},   {"emsp", 0x2003},  {"thinsp", 0x2009},
    {"zwnj", 0x200C},   {"zwj", 0x200D},    {"lrm", 0x200E},   {"rlm", 0x200F},
    {"ndash", 0x2013},  {"mdash", 0x2014},  {"lsquo", 0x2018}, {"rsquo", 0x2019},
    {"sbquo", 0x201A},  {"ldquo", 0x201C},  {"rdquo", 0x201D}, {"bdquo", 0x201E},
    {"dagger", 0x2020}, {"Dagger", 0x2021}, {"bull", 0x2022},  {"hellip", 0x2026},
    {"permil", 0x2030}, {"prime", 0x2032},  {"Prime", 0x2033}, {"lsaquo", 0x2039},
    {"rsaquo", 0x203A}, {"oline", 0x203E},  {"frasl", 0x2044}, {"euro", 0x20AC},
    {"trade", 0x2122},  {"larr", 0x2190},   {"uarr", 0x2191},  {"rarr", 0x2192},
    {"darr", 0x2193},   {"harr", 0x2194},   {"minus", 0x2212}, {"infin", 0x221E},
    {"ne", 0x2260},     {"le", 0x2264},     {"ge", 0x2265},    {"spades", 0x2660},
    {"clubs", 0x2663},  {"hearts", 0x2665}, {"diams", 0x2666}, {"Tab", 0x09},
    {"NewLine", 0x0A},  {"excl", 0x21},     {"num", 0x23},     {"dollar", 0x24},
    {"percnt", 0x25},   {"lpar", 0x28},     {"rpar", 0x29},    {"ast", 0x2A},
    {"plus", 0x2B},     {"comma", 0x2C},    {"period", 0x2E},  {"sol", 0x2F},
    {"colon", 0x3A},    {"semi", 0x3B},     {"equals", 0x3D},  {"quest", 0x3F},
    {"commat", 0x40},   {"lsqb", 0x5B},     {"bsol", 0x5C},    {"rsqb", 0x5D},
    {"lowbar", 0x5F},   {"grave", 0x60},    {"lcub", 0x7B},    {"verbar", 0x7C},
    {"rcub", 0x7D},
};

// name (with ';' where required) -> text; legacy names appear with and without ';'.
const std::unordered_map<std::string, std::u32string>& entities() {
  static const auto table = [] {
    std::unordered_map<std::string, std::u32string> t;
    auto both = [&](const std::string& name, char32_t c) {
      t[name] = std::u32string(1, c);
      t[name + ";"] = std::u32string(1, c);
    };
    for (size_t i = 0; i < kLatin1Names.size(); ++i) both(kLatin1Names[i], 0xA0 + i);
    both("amp", '&'), both("AMP", '&'), both("lt", '<'), both("LT", '<');
    both("gt", '>'), both("GT", '>'), both("quot", '"'), both("QUOT", '"');
    both("COPY", 0xA9), both("REG", 0xAE);
    for (const auto& [name, c] : kSemicolonNames) t[std::string(name) + ";"] = std::u32string(1, c);
    return t;
  }();
  return table;
}

// Python's html._invalid_charrefs.
bool invalid_charref(uint64_t n, char32_t& out) {
  static const char32_t k80[32] = {0x20AC, 0x81,   0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
                                   0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x8D,   0x017D, 0x8F,
                                   0x90,   0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
                                   0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x9D,   0x017E, 0x0178};
  if (n == 0) return out = kReplacement, true;
  if (n == 0x0D) return out = '\r', true;
  if (n >= 0x80 && n <= 0x9F) return out = k80[n - 0x80], true;
  return false;
}

// Python's html._invalid_codepoints (replaced by nothing).
bool invalid_codepoint(uint64_t n) {
  return (n >= 0x1 && n <= 0x8) || n == 0xB || (n >= 0xE && n <= 0x1F) ||
         (n >= 0x7F && n <= 0x9F) || (n >= 0xFDD0 && n <= 0xFDEF) || (n & 0xFFFE) == 0xFFFE;
}

bool is_digit(char32_t c, bool hex) {
  return (c >= '0' && c <= '9') || (hex && ((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')));
}

std::u32string unescape32(const std::u32string& s) {
  std::u32string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    if (s[i] != '&') {
      out += s[i++];
      continue;
    }
    const size_t start = i + 1;
    // Numeric: &#123; &#x1F; (';' optional).
    if (start < s.size() && s[start] == '#') {
      size_t p = start + 1;
      const bool hex = p < s.size() && (s[p] == 'x' || s[p] == 'X');
      if (hex) ++p;
      const size_t digits = p;
      uint64_t n = 0;
      while (p < s.size() && is_digit(s[p], hex)) {
        const char32_t c = s[p];
        const uint64_t d = c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
        n = std::min<uint64_t>(n * (hex ? 16 : 10) + d, 0x7FFFFFFF);  // caps: > 0x10FFFF anyway
        ++p;
      }
      if (p == digits) {  // "&#" without digits is not a reference
        out += s[i++];
        continue;
      }
      if (p < s.size() && s[p] == ';') ++p;
      char32_t c;
      if (invalid_charref(n, c)) {
        out += c;
      } else if ((n >= 0xD800 && n <= 0xDFFF) || n > 0x10FFFF) {
        out += kReplacement;
      } else if (!invalid_codepoint(n)) {
        out += static_cast<char32_t>(n);
      }
      i = p;
      continue;
    }
    // Named: [^\t\n\f <&#;]{1,32};?
    size_t p = start;
    while (p < s.size() && p - start < 32) {
      const char32_t c = s[p];
      if (c == '\t' || c == '\n' || c == '\f' || c == ' ' || c == '<' || c == '&' || c == '#' ||
          c == ';') {
        break;
      }
      ++p;
    }
    if (p == start) {
      out += s[i++];
      continue;
    }
    if (p < s.size() && s[p] == ';') ++p;
    const std::string name = encode(s.substr(start, p - start));
    const auto& table = entities();
    auto it = table.find(name);
    if (it != table.end()) {
      out += it->second;
      i = p;
      continue;
    }
    // The longest prefix that is an entity (as Python: lengths len-1 down to 2).
    const std::u32string name32 = s.substr(start, p - start);
    bool found = false;
    for (size_t x = name32.size() - 1; x >= 2 && x < name32.size(); --x) {
      it = table.find(encode(name32.substr(0, x)));
      if (it != table.end()) {
        out += it->second;
        out += name32.substr(x);
        found = true;
        break;
      }
    }
    if (!found) {
      out += '&';
      out += name32;
    }
    i = p;
  }
  return out;
}

}  // namespace

std::string html_unescape(const std::string& text) {
  if (text.find('&') == std::string::npos) return text;
  return encode(unescape32(decode(text)));
}

std::string clean_prompt(const std::string& text, bool uncurl_quotes) {
  std::u32string raw = decode(text);
  if (uncurl_quotes) {  // ftfy.fix_text's uncurl_quotes; its other fixes are not done
    for (char32_t& c : raw) {
      if (c == 0x02BC || (c >= 0x2018 && c <= 0x201B)) c = '\'';
      if (c >= 0x201C && c <= 0x201F) c = '"';
    }
  }
  const std::u32string s = strip(unescape32(unescape32(raw)));
  std::u32string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    if (is_regex_space(s[i])) {
      out += ' ';
      while (i < s.size() && is_regex_space(s[i])) ++i;
    } else {
      out += s[i++];
    }
  }
  return encode(strip(out));
}

// ---- tokenizer -------------------------------------------------------------------------

struct Umt5Tokenizer::Impl {
  sentencepiece::SentencePieceProcessor sp;
};

Umt5Tokenizer::Umt5Tokenizer(fs::path path, std::unique_ptr<Impl> impl)
    : path_(std::move(path)), impl_(std::move(impl)) {}
Umt5Tokenizer::Umt5Tokenizer(Umt5Tokenizer&&) noexcept = default;
Umt5Tokenizer& Umt5Tokenizer::operator=(Umt5Tokenizer&&) noexcept = default;
Umt5Tokenizer::~Umt5Tokenizer() = default;

Umt5Tokenizer Umt5Tokenizer::load(const fs::path& path) {
  fs::path model = path;
  if (fs::is_directory(path)) {
    model = path / "spiece.model";
    if (!fs::exists(model) && fs::is_directory(path / "tokenizer")) {
      model = path / "tokenizer" / "spiece.model";
    }
  }
  if (!fs::exists(model)) {
    throw Error("no sentencepiece model (spiece.model) here")
        .file(path.string())
        .hint("give the tokenizer folder of the Wan/umt5 model, or its spiece.model");
  }
  auto impl = std::make_unique<Impl>();
  const auto status = impl->sp.Load(model.string());
  if (!status.ok()) {
    throw Error("cannot load the sentencepiece model: " + status.ToString()).file(model.string());
  }
  if (impl->sp.eos_id() != 1 || impl->sp.pad_id() != 0) {
    throw Error("not a T5/umT5 tokenizer: </s> is id " + std::to_string(impl->sp.eos_id()) +
                " and <pad> id " + std::to_string(impl->sp.pad_id()) + " (expected 1 and 0)")
        .file(model.string());
  }
  return Umt5Tokenizer(model, std::move(impl));
}

std::vector<int64_t> Umt5Tokenizer::piece_ids(const std::string& cleaned) const {
  std::vector<int> ids;
  const auto status = impl_->sp.Encode(cleaned, &ids);
  if (!status.ok()) throw Error("sentencepiece failed: " + status.ToString()).file(path_.string());
  return {ids.begin(), ids.end()};
}

std::vector<std::string> Umt5Tokenizer::pieces(const std::string& cleaned) const {
  std::vector<std::string> out;
  const auto status = impl_->sp.Encode(cleaned, &out);
  if (!status.ok()) throw Error("sentencepiece failed: " + status.ToString()).file(path_.string());
  return out;
}

int64_t Umt5Tokenizer::vocab_size() const {
  return impl_->sp.GetPieceSize();
}

TokenizedPrompts Umt5Tokenizer::encode(const std::vector<std::string>& prompts,
                                       int64_t text_len) const {
  if (text_len < 1) throw Error("text_len must be at least 1, not " + std::to_string(text_len));
  const auto n = static_cast<int64_t>(prompts.size());
  TokenizedPrompts t;
  t.input_ids = at::zeros({n, text_len}, at::kLong);
  t.attention_mask = at::zeros({n, text_len}, at::kLong);
  t.seq_lens = at::zeros({n}, at::kLong);
  auto ids = t.input_ids.accessor<int64_t, 2>();
  auto mask = t.attention_mask.accessor<int64_t, 2>();
  auto lens = t.seq_lens.accessor<int64_t, 1>();
  for (int64_t i = 0; i < n; ++i) {
    std::vector<int64_t> p = piece_ids(clean_prompt(prompts[i]));
    if (static_cast<int64_t>(p.size()) > text_len - 1) p.resize(text_len - 1);
    p.push_back(eos_id());
    for (size_t j = 0; j < p.size(); ++j) {
      ids[i][j] = p[j];
      mask[i][j] = 1;
    }
    lens[i] = static_cast<int64_t>(p.size());
  }
  return t;
}

std::string describe_tokenization(const fs::path& tokenizer, const std::string& prompt,
                                  int64_t text_len) {
  const Umt5Tokenizer tok = Umt5Tokenizer::load(tokenizer);
  const std::string cleaned = clean_prompt(prompt);
  const std::vector<std::string> pieces = tok.pieces(cleaned);
  const TokenizedPrompts t = tok.encode({prompt}, text_len);
  const int64_t len = t.seq_lens[0].item<int64_t>();
  std::ostringstream s;
  s << "tokenizer: " << tok.path().string() << " (" << tok.vocab_size() << " pieces)\n";
  s << "cleaned: " << cleaned << "\n";
  s << "pieces (" << pieces.size() << "):";
  for (const auto& p : pieces) s << " " << p;
  s << "\nids (" << len << " of text_len " << text_len
    << (static_cast<int64_t>(pieces.size()) + 1 > text_len ? ", truncated" : "") << "):";
  for (int64_t j = 0; j < len; ++j) s << " " << t.input_ids[0][j].item<int64_t>();
  s << "\n";
  return s.str();
}

}  // namespace reel
