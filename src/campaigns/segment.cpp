#include "geotarget/segment.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <optional>
#include <set>

#include <utf8proc.h>

namespace geotarget {

namespace {

std::optional<double> number(std::string_view s) noexcept {
  double v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

// The next code point of `s` from `i`, lowercased; a byte that is not valid UTF-8 stands for
// itself, above every code point, so that two different invalid texts never compare equal.
std::int32_t next_lowercase(std::string_view s, std::size_t& i) noexcept {
  utf8proc_int32_t cp = 0;
  const auto n = utf8proc_iterate(reinterpret_cast<const utf8proc_uint8_t*>(s.data() + i),
                                  static_cast<utf8proc_ssize_t>(s.size() - i), &cp);
  if (n <= 0) return 0x110000 + static_cast<unsigned char>(s[i++]);
  i += static_cast<std::size_t>(n);
  return utf8proc_tolower(cp);
}

int compare_ignoring_case(std::string_view a, std::string_view b) noexcept {
  std::size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    const std::int32_t x = next_lowercase(a, i), y = next_lowercase(b, j);
    if (x != y) return x < y ? -1 : 1;
  }
  return i < a.size() ? 1 : j < b.size() ? -1 : 0;
}

// -1, 0 or 1: numerically when both sides are numbers, else as text.
int order(std::string_view a, std::string_view b, TextCase text_case) noexcept {
  auto x = number(a), y = number(b);
  if (x && y) return *x < *y ? -1 : *x > *y ? 1 : 0;
  const int c = text_case == TextCase::insensitive ? compare_ignoring_case(a, b) : a.compare(b);
  return c < 0 ? -1 : c > 0 ? 1 : 0;
}

}  // namespace

bool Segment::Node::holds(std::string_view v) const noexcept {
  if (v.empty()) return false;
  if (op == Op::in || op == Op::not_in) {
    bool found = std::any_of(values.begin(), values.end(), [&](const std::string& x) { return order(v, x, text_case) == 0; });
    return op == Op::in ? found : !found;
  }
  const int c = order(v, values.front(), text_case);
  switch (op) {
    case Op::eq: return c == 0;
    case Op::ne: return c != 0;
    case Op::lt: return c < 0;
    case Op::le: return c <= 0;
    case Op::gt: return c > 0;
    case Op::ge: return c >= 0;
    default: return false;
  }
}

// Recursive descent over the expression text, with 1-based positions for errors. A friend of
// Segment, which keeps its tree private; outside the anonymous namespace for that reason.
// Nesting and comparisons are counted so that a hostile text cannot overflow the stack here, in
// matches() or in the tree's destructor (a chain of n terms is a tree n deep).
class SegmentParser {
  using Op = Segment::Op;

 public:
  static constexpr std::size_t kMaxLength = 16384, kMaxComparisons = 256;
  static constexpr int kMaxDepth = 32;

  SegmentParser(std::string_view text, TextCase text_case) : s_(text), text_case_(text_case) {
    if (s_.size() > kMaxLength)
      throw Error("segment: longer than " + std::to_string(kMaxLength) + " characters (" + std::to_string(s_.size()) +
                  ")");
  }

  std::shared_ptr<const Segment::Node> parse() {
    auto root = expr();
    skip_space();
    if (i_ < s_.size()) fail("unexpected '" + std::string(1, s_[i_]) + "'");
    return root;
  }

 private:
  [[noreturn]] void fail(const std::string& why) const {
    throw Error("segment: " + why + " at position " + std::to_string(i_ + 1) + " of '" + std::string(s_) + "'");
  }
  void skip_space() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t')) ++i_;
  }
  bool keyword(std::string_view k) {
    skip_space();
    if (s_.size() - i_ < k.size()) return false;
    for (std::size_t j = 0; j < k.size(); ++j)
      if (std::tolower(static_cast<unsigned char>(s_[i_ + j])) != k[j]) return false;
    std::size_t end = i_ + k.size();
    if (end < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[end])) || s_[end] == '_')) return false;
    i_ = end;
    return true;
  }
  bool symbol(std::string_view sym) {
    skip_space();
    if (s_.substr(i_, sym.size()) != sym) return false;
    i_ += sym.size();
    return true;
  }
  static std::shared_ptr<const Segment::Node> join(Op op, std::shared_ptr<const Segment::Node> l,
                                                   std::shared_ptr<const Segment::Node> r) {
    return std::make_shared<const Segment::Node>(Segment::Node{op, {}, {}, TextCase::exact, std::move(l), std::move(r)});
  }
  std::shared_ptr<const Segment::Node> expr() {
    auto left = term();
    while (keyword("or")) left = join(Op::or_, left, term());
    return left;
  }
  std::shared_ptr<const Segment::Node> term() {
    auto left = factor();
    while (keyword("and")) left = join(Op::and_, left, factor());
    return left;
  }
  std::shared_ptr<const Segment::Node> factor() {
    if (keyword("not")) {
      Nested level(*this);
      return join(Op::not_, factor(), nullptr);
    }
    if (symbol("(")) {
      Nested level(*this);
      auto inner = expr();
      if (!symbol(")")) fail("expected ')'");
      return inner;
    }
    return comparison();
  }
  // One level of "(" or "not" while it is parsed.
  struct Nested {
    explicit Nested(SegmentParser& p) : p_(p) {
      if (++p_.depth_ > kMaxDepth) p_.fail("nested deeper than " + std::to_string(kMaxDepth) + " levels");
    }
    ~Nested() { --p_.depth_; }
    Nested(const Nested&) = delete;
    Nested& operator=(const Nested&) = delete;
    SegmentParser& p_;
  };
  std::string identifier() {
    skip_space();
    std::size_t start = i_;
    while (i_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[i_])) || s_[i_] == '_' || s_[i_] == '.')) ++i_;
    if (i_ == start) fail("expected a column name");
    return std::string(s_.substr(start, i_ - start));
  }
  std::string value() {
    skip_space();
    if (i_ < s_.size() && (s_[i_] == '\'' || s_[i_] == '"')) {
      char quote = s_[i_++];
      std::size_t end = s_.find(quote, i_);
      if (end == std::string_view::npos) fail("unterminated text");
      std::string v(s_.substr(i_, end - i_));
      i_ = end + 1;
      return v;
    }
    std::size_t start = i_;
    while (i_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[i_])) || s_[i_] == '.' || s_[i_] == '-' || s_[i_] == '+')) ++i_;
    std::string_view v = s_.substr(start, i_ - start);
    if (!number(v)) {
      i_ = start;
      fail("expected a number or quoted text");
    }
    return std::string(v);
  }
  std::shared_ptr<const Segment::Node> comparison() {
    if (++comparisons_ > kMaxComparisons) fail("more than " + std::to_string(kMaxComparisons) + " comparisons");
    Segment::Node n{Op::eq, identifier(), {}, text_case_, nullptr, nullptr};
    bool negated_in = false;
    if (keyword("not")) {
      if (!keyword("in")) fail("expected 'in' after 'not'");
      negated_in = true;
    }
    if (negated_in || keyword("in")) {
      n.op = negated_in ? Op::not_in : Op::in;
      if (!symbol("(")) fail("expected '(' after 'in'");
      do n.values.push_back(value());
      while (symbol(","));
      if (!symbol(")")) fail("expected ')' to close the list");
      return std::make_shared<const Segment::Node>(std::move(n));
    }
    static constexpr std::pair<std::string_view, Op> kOps[] = {{"==", Op::eq}, {"!=", Op::ne}, {"<=", Op::le},
                                                               {">=", Op::ge}, {"=", Op::eq},  {"<", Op::lt},
                                                               {">", Op::gt}};
    auto it = std::find_if(std::begin(kOps), std::end(kOps), [&](const auto& o) { return symbol(o.first); });
    if (it == std::end(kOps)) fail("expected a comparison (==, !=, <, <=, >, >=, in)");
    n.op = it->second;
    n.values.push_back(value());
    return std::make_shared<const Segment::Node>(std::move(n));
  }

  std::string_view s_;
  TextCase text_case_;
  std::size_t i_ = 0;
  int depth_ = 0;
  std::size_t comparisons_ = 0;
};

Segment::Segment() = default;

Segment Segment::parse(std::string_view expression, TextCase text_case) {
  Segment s;
  s.text_ = std::string(expression);
  s.text_case_ = text_case;
  if (expression.find_first_not_of(" \t") != std::string_view::npos)
    s.root_ = SegmentParser(expression, text_case).parse();
  return s;
}

std::vector<std::string> Segment::columns() const {
  std::set<std::string> out;
  auto collect = [&out](auto& self, const Node* n) -> void {
    if (!n) return;
    if (!n->column.empty()) out.insert(n->column);
    self(self, n->left.get());
    self(self, n->right.get());
  };
  collect(collect, root_.get());
  return {out.begin(), out.end()};
}

}  // namespace geotarget
