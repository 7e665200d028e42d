#include "config/options_reference.h"

#include <cmath>
#include <cstdio>
#include <map>
#include <sstream>

#include "config/option_registry.h"

namespace reel {
namespace {

std::vector<std::string> groups_in_order() {
  std::vector<std::string> groups;
  for (const auto& o : OptionRegistry::instance().options()) {
    bool seen = false;
    for (const auto& g : groups) seen = seen || g == o.group;
    if (!seen) groups.push_back(o.group);
  }
  return groups;
}

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

std::string allowed(const Option& o) {
  std::string s;
  for (const auto& c : o.choices) s += (s.empty() ? "" : ", ") + c;
  bool low = std::isfinite(o.min), high = std::isfinite(o.max);
  if (low && high) s += (s.empty() ? "" : "; ") + ("[" + num(o.min) + ", " + num(o.max) + "]");
  if (low && !high) s += (s.empty() ? "" : "; ") + (">= " + num(o.min));
  if (!low && high) s += (s.empty() ? "" : "; ") + ("<= " + num(o.max));
  return s;
}

std::string default_of(const Option& o) {
  if (!o.has_default) return "";
  return o.default_text.empty() ? "\"\"" : o.default_text;
}

// Markdown table cells must not contain a bare '|'.
std::string cell(const std::string& s) {
  std::string out;
  for (char c : s) out += c == '|' ? "\\|" : std::string(1, c);
  return out;
}

std::string code(const std::string& s) {
  return s.empty() ? "–" : "`" + cell(s) + "`";
}

}  // namespace

std::string options_reference_markdown() {
  const auto& registry = OptionRegistry::instance();
  std::ostringstream md;
  md << "# Reel options\n\n"
     << "<!-- Generated from src/config/option_table.cpp by `reel config reference`; do not "
        "edit. -->\n\n"
     << "Options are read from config.json (SimpleTuner's format, keys with or without `--`), "
        "the environment (`REEL_<KEY>`, `TRAINER_EXTRA_ARGS`) and the command line "
        "(`--key=value`), later sources winning in that order. \"built: no\" means the option "
        "is accepted and checked but has no effect yet.\n";
  for (const auto& group : groups_in_order()) {
    md << "\n## " << group << "\n\n"
       << "| option | type | default | allowed | built | description |\n"
       << "|---|---|---|---|---|---|\n";
    for (const auto& o : registry.options()) {
      if (o.group != group) continue;
      md << "| `" << o.name << "` | " << to_string(o.type) << " | " << code(default_of(o)) << " | "
         << cell(allowed(o)) << " | " << (o.built ? "yes" : "no") << " | " << cell(o.help)
         << " |\n";
    }
  }
  md << "\n## SimpleTuner options accepted and ignored\n\n"
     << "Each one set produces the warning `SimpleTuner option X is not supported by Reel and "
        "is ignored`.\n\n"
     << "| option | ST type | ST section |\n|---|---|---|\n";
  for (const StOption* st : registry.st_ignored()) {
    md << "| `" << st->name << "` | " << st->type << " | " << st->section << " |\n";
  }
  md << "\n## SimpleTuner legacy keys\n\n| key | becomes |\n|---|---|\n";
  for (const auto& st : st_options()) {
    if (st.type != "alias") continue;
    std::string becomes = st.default_text == "-" ? "ignored" : "`" + st.default_text + "`";
    if (st.name == "ignore_final_epochs") becomes = "`strict_epoch_limit` = not value";
    if (st.name == "vae_cache_preprocess") becomes = "`false` → `vae_cache_ondemand` = true";
    md << "| `" << st.name << "` | " << becomes << " |\n";
  }
  return md.str();
}

std::string options_help_text() {
  const auto& registry = OptionRegistry::instance();
  std::ostringstream out;
  out << "Options (config.json keys; on the command line --key=value, in the environment "
         "REEL_<KEY>):\n";
  for (const auto& group : groups_in_order()) {
    out << "\n" << group << ":\n";
    for (const auto& o : registry.options()) {
      if (o.group != group) continue;
      std::string head = "  --" + o.name + " <" + to_string(o.type) + ">";
      out << head;
      if (o.has_default) out << "  (default: " << default_of(o) << ")";
      if (!o.built) out << "  [not built yet]";
      out << "\n      " << o.help;
      std::string a = allowed(o);
      if (!a.empty()) out << " Allowed: " << a << ".";
      out << "\n";
    }
  }
  return out.str();
}

}  // namespace reel
