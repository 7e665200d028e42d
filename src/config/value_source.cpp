#include "config/value_source.h"

namespace reel {

std::string to_string(const ValueSource& s) {
  switch (s.kind) {
    case SourceKind::kDefault:
      return s.where.empty() ? "default" : "default (" + s.where + ")";
    case SourceKind::kFile:
      return "file " + s.where;
    case SourceKind::kEnv:
      return "env " + s.where;
    case SourceKind::kCli:
      return "command line";
    case SourceKind::kRule:
      return "rule: " + s.where;
  }
  return "";
}

std::string diagnostic_origin(const ValueSource& s) {
  switch (s.kind) {
    case SourceKind::kFile:
      return s.where;
    case SourceKind::kEnv:
      return "env " + s.where;
    case SourceKind::kCli:
      return "command line";
    default:
      return "";
  }
}

}  // namespace reel
