// Every key Reel recognises: its own options (option_table.cpp), SimpleTuner's options it
// accepts and ignores, and ST's legacy aliases (st_options.tsv). A key in none of these is
// unknown and gets a did-you-mean suggestion.
#pragma once

#include <string>
#include <vector>

#include "config/option.h"
#include "config/st_option_list.h"

namespace reel {

enum class KeyKind {
  kReel,       // one of Reel's options
  kAlias,      // an ST legacy key (checkpointing_steps, ignore_final_epochs, UI keys, ...)
  kStIgnored,  // an ST option Reel does not implement: accepted, warned, ignored
  kUnknown,
};

class OptionRegistry {
 public:
  static const OptionRegistry& instance();

  const std::vector<Option>& options() const;
  // nullptr when `name` is not one of Reel's options.
  const Option* find(const std::string& name) const;
  KeyKind classify(const std::string& key) const;
  // The alias row of an ST legacy key; nullptr when `key` is not an alias.
  const StOption* alias(const std::string& key) const;
  // ST options (aliases excluded) that Reel accepts and ignores, in st_options.tsv order.
  std::vector<const StOption*> st_ignored() const;
  // The closest known key for an unknown one (Reel's options first), "" when none is close.
  std::string suggest(const std::string& key) const;

 private:
  OptionRegistry();
  std::vector<std::string> reel_names_, st_names_;
};

// The one warning line for an ST option Reel ignores.
std::string st_ignored_message(const std::string& key);

}  // namespace reel
