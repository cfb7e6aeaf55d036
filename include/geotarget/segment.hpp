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
// A comparison is numeric when both sides are numbers, else it compares text: exactly by
// default, or ignoring case (TextCase::insensitive, per Unicode code point). A column the row
// lacks, or leaves empty, makes every comparison on it false (and "!=" too).
// Nothing else exists: no functions, no assignments, no access to anything but the row.
// Bounds (errors, not crashes, on hostile files): at most 16,384 characters, 256 comparisons and
// 32 levels of "(" and "not" nesting, so parsing, matching and freeing a segment stay within a
// few hundred stack frames.
//
// Thread-safety: immutable after parse; matches() may run on any number of threads.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "geotarget/error.hpp"

namespace geotarget {

/// How matches() reads a row: called with a column name, returns the row's value for it
/// (empty when the row has none).
template <class F>
concept RowValues = std::is_invocable_r_v<std::string_view, const F&, std::string_view>;

/// True when reading the row cannot throw, and so neither can matching it.
template <class F>
inline constexpr bool kNothrowRowValues = std::is_nothrow_invocable_r_v<std::string_view, const F&, std::string_view>;

/// How a segment compares text values. DEFAULT: exact.
enum class TextCase : std::uint8_t {
  exact,        ///< byte for byte: 'Gold' != 'gold'
  insensitive,  ///< code point by code point after Unicode's simple lowercase mapping (utf8proc):
                ///< 'GOLD' == 'gold', 'ÉTÉ' == 'été'; no multi-letter folds ('STRASSE' != 'straße')
};

class Segment {
 public:
  /// The segment that every row matches (an empty expression).
  Segment();
  /// Parses `expression`. Throws geotarget::Error "segment: <reason> at position N" (1-based,
  /// in characters of the expression) when it is not valid.
  static Segment parse(std::string_view expression, TextCase text_case = TextCase::exact);

  /// Whether the row that `value_of` reads matches. The reader is a template parameter, as a
  /// visitor of GEOS's TemplateSTRtree is, so that the request path (DecisionTable::choose)
  /// erases no type and allocates nothing; it throws only what `value_of` throws.
  template <RowValues F>
  [[nodiscard]] bool matches(const F& value_of) const noexcept(kNothrowRowValues<F>) {
    return !root_ || evaluate(*root_, value_of);
  }
  /// The columns the expression reads, sorted and unique.
  [[nodiscard]] std::vector<std::string> columns() const;
  [[nodiscard]] const std::string& text() const noexcept { return text_; }
  [[nodiscard]] TextCase text_case() const noexcept { return text_case_; }

 private:
  enum class Op : std::uint8_t { eq, ne, lt, le, gt, ge, in, not_in, and_, or_, not_ };
  struct Node {
    Op op;
    std::string column;               // comparisons
    std::vector<std::string> values;  // one for a comparison, several for in
    TextCase text_case = TextCase::exact;
    std::shared_ptr<const Node> left, right;
    /// The comparison (or in-list) applied to the row's value of `column`.
    [[nodiscard]] bool holds(std::string_view value) const noexcept;
  };
  friend class SegmentParser;

  template <class F>
  static bool evaluate(const Node& n, const F& value_of) noexcept(kNothrowRowValues<F>) {
    switch (n.op) {
      case Op::and_: return evaluate(*n.left, value_of) && evaluate(*n.right, value_of);
      case Op::or_: return evaluate(*n.left, value_of) || evaluate(*n.right, value_of);
      case Op::not_: return !evaluate(*n.left, value_of);
      default: return n.holds(value_of(std::string_view(n.column)));
    }
  }

  std::string text_;
  TextCase text_case_ = TextCase::exact;
  std::shared_ptr<const Node> root_;  // null: matches everything
};

}  // namespace geotarget
