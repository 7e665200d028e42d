#include "config/st_option_list.h"

#include <map>

#include "config/tsv_table.h"

namespace reel::embedded {
extern const char* const st_options_tsv;
}  // namespace reel::embedded

namespace reel {
namespace {

std::vector<std::string> split_bars(const std::string& s) {
  std::vector<std::string> out;
  if (s.empty()) return out;
  size_t start = 0;
  while (true) {
    size_t bar = s.find('|', start);
    out.push_back(s.substr(start, bar - start));
    if (bar == std::string::npos) break;
    start = bar + 1;
  }
  return out;
}

std::vector<StOption> parse() {
  TsvTable table(embedded::st_options_tsv, "st_options.tsv");
  std::vector<StOption> out;
  for (size_t r = 0; r < table.rows(); ++r) {
    StOption o;
    o.name = table.at(r, "name");
    o.type = table.at(r, "type");
    o.default_text = table.at(r, "default");
    o.choices = split_bars(table.at(r, "choices"));
    o.section = table.at(r, "section");
    o.wan = table.at(r, "wan") == "y";
    out.push_back(std::move(o));
  }
  return out;
}

}  // namespace

const std::vector<StOption>& st_options() {
  static const std::vector<StOption> list = parse();
  return list;
}

const StOption* find_st_option(const std::string& name) {
  static const std::map<std::string, const StOption*> index = [] {
    std::map<std::string, const StOption*> m;
    for (const auto& o : st_options()) m[o.name] = &o;
    return m;
  }();
  auto it = index.find(name);
  return it == index.end() ? nullptr : it->second;
}

}  // namespace reel
