#include "config/st_option_list.h"

#include <map>

#include "config/tsv_table.h"

namespace reel::embedded {
extern const char* const st_options_tsv;
}  // namespace reel::embedded

namespace reel {
namespace {

std::vector<StOption> parse() {
  TsvTable table(embedded::st_options_tsv, "st_options.tsv");
  std::vector<StOption> out;
  for (size_t r = 0; r < table.rows(); ++r) {
    StOption o;
    o.name = table.at(r, "name");
    o.type = table.at(r, "type");
    o.default_text = table.at(r, "default");
    if (!table.at(r, "choices").empty()) o.choices = split_fields(table.at(r, "choices"), '|');
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
