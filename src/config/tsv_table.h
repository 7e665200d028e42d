// A tab-separated table with a header row, as the spec's SimpleTuner key lists are kept
// (st_options.tsv, st_dataset_keys.tsv, compiled into the binary).
#pragma once

#include <string>
#include <vector>

namespace reel {

// The fields of `line` between each `sep`: "a||b" -> {"a", "", "b"}; "" -> {""}.
std::vector<std::string> split_fields(const std::string& line, char sep);

class TsvTable {
 public:
  // `source` names the table in errors. Throws reel::Error on a row whose column count
  // differs from the header's.
  TsvTable(const std::string& text, const std::string& source);

  const std::vector<std::string>& columns() const { return columns_; }
  size_t rows() const { return rows_.size(); }
  // Cell of `row` in the column named `column`; throws reel::Error for an unknown column.
  const std::string& at(size_t row, const std::string& column) const;

 private:
  std::string source_;
  std::vector<std::string> columns_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace reel
