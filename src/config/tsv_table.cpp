#include "config/tsv_table.h"

#include <algorithm>
#include <sstream>

#include "core/error.h"

namespace reel {

std::vector<std::string> split_fields(const std::string& line, char sep) {
  std::vector<std::string> fields;
  size_t start = 0;
  while (true) {
    size_t at = line.find(sep, start);
    fields.push_back(line.substr(start, at - start));
    if (at == std::string::npos) break;
    start = at + 1;
  }
  return fields;
}

TsvTable::TsvTable(const std::string& text, const std::string& source) : source_(source) {
  std::istringstream in(text);
  std::string line;
  int line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    auto cells = split_fields(line, '\t');
    if (columns_.empty()) {
      columns_ = std::move(cells);
    } else if (cells.size() != columns_.size()) {
      throw Error("row has " + std::to_string(cells.size()) + " columns, the header has " +
                  std::to_string(columns_.size()))
          .file(source_)
          .line(line_no);
    } else {
      rows_.push_back(std::move(cells));
    }
  }
}

const std::string& TsvTable::at(size_t row, const std::string& column) const {
  auto it = std::find(columns_.begin(), columns_.end(), column);
  if (it == columns_.end()) throw Error("no column '" + column + "'").file(source_);
  return rows_.at(row)[it - columns_.begin()];
}

}  // namespace reel
