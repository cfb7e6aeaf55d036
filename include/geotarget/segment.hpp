// geotarget: customer segments, a small safe expression language over customer columns.
//
//   auto gold = geotarget::Segment::parse("loyalty == 'gold' and days_since_purchase < 365");
//   bool in = gold.matches([&](std::string_view column) { return row[column]; });
//
// Grammar (keywords in any case):
//   expr   := term ("or" term)*
//   term   := factor ("and" factor)*
//   factor := "not" factor | "(" expr ")" | column op value | column ["not"] "in" "(" value ("," value)* ")"
//   op     := "==" | "=" | "!=" | "<" | "<=" | ">" | ">="
//   value  := number | 'text' | "text"
// A comparison is numeric when both sides are numbers, else it compares text exactly. A
// column the row lacks, or leaves empty, makes every comparison on it false (and "!=" too).
// Nothing else exists: no functions, no assignments, no access to anything but the row.
//
// Thread-safety: immutable after parse; matches() may run on any number of threads.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "geotarget/error.hpp"

namespace geotarget {

class Segment {
 public:
  /// The segment that every row matches (an empty expression).
  Segment();
  /// Parses `expression`. Throws geotarget::Error "segment: <reason> at position N" (1-based,
  /// in characters of the expression) when it is not valid.
  static Segment parse(std::string_view expression);

  using ColumnValue = std::function<std::string_view(std::string_view column)>;
  [[nodiscard]] bool matches(const ColumnValue& value_of) const;
  /// The columns the expression reads, sorted and unique.
  [[nodiscard]] std::vector<std::string> columns() const;
  [[nodiscard]] const std::string& text() const noexcept { return text_; }

  struct Node;

 private:
  std::string text_;
  std::shared_ptr<const Node> root_;  // null: matches everything
};

}  // namespace geotarget
