#include "text.hpp"

#include <charconv>
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>

namespace geotarget {

std::string_view trim(std::string_view s) noexcept {
  constexpr std::string_view blanks = " \t\r\n";
  const std::size_t b = s.find_first_not_of(blanks);
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(blanks) - b + 1);
}

std::string_view closest_name(std::string_view name, std::span<const std::string_view> candidates,
                              int max_edits) noexcept {
  std::string_view best;
  int best_distance = max_edits + 1;
  for (std::string_view c : candidates) {
    const int d = detail::edit_distance(name, c, max_edits);
    if (d < best_distance) best_distance = d, best = c;
  }
  return best;
}

}  // namespace geotarget

namespace geotarget::detail {

std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

bool parse_double(std::string_view text, double& out) noexcept {
  if (!text.empty() && text.front() == '+') {
    text.remove_prefix(1);
    if (!text.empty() && (text.front() == '-' || text.front() == '+')) return false;
  }
  double v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(v)) return false;
  out = v;
  return true;
}

}  // namespace geotarget::detail

namespace geotarget::detail {

namespace {

// Length of the well-formed UTF-8 sequence at the start of `s`, or 0 when there is none.
std::size_t utf8_sequence(std::string_view s) noexcept {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  const unsigned char b0 = byte(0);
  if (b0 < 0x80) return 1;
  std::size_t n = 0;
  unsigned char low = 0x80, high = 0xbf;  // the allowed range of the second byte
  if (b0 >= 0xc2 && b0 <= 0xdf) n = 2;
  else if (b0 >= 0xe0 && b0 <= 0xef) n = 3, low = b0 == 0xe0 ? 0xa0 : 0x80, high = b0 == 0xed ? 0x9f : 0xbf;
  else if (b0 >= 0xf0 && b0 <= 0xf4) n = 4, low = b0 == 0xf0 ? 0x90 : 0x80, high = b0 == 0xf4 ? 0x8f : 0xbf;
  if (n == 0 || s.size() < n || byte(1) < low || byte(1) > high) return 0;
  for (std::size_t i = 2; i < n; ++i)
    if (byte(i) < 0x80 || byte(i) > 0xbf) return 0;
  return n;
}

}  // namespace

std::string valid_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  while (!s.empty()) {
    const std::size_t n = utf8_sequence(s);
    if (n == 0) {
      out += "\xef\xbf\xbd";
      s.remove_prefix(1);
    } else {
      out.append(s.data(), n);
      s.remove_prefix(n);
    }
  }
  return out;
}

}  // namespace geotarget::detail

namespace geotarget::detail {

int edit_distance(std::string_view a, std::string_view b, int limit) noexcept {
  const int n = static_cast<int>(a.size()), m = static_cast<int>(b.size());
  if (std::abs(n - m) > limit) return limit + 1;
  if (n > 62 || m > 62) return a == b ? 0 : limit + 1;  // names are short; keep the rows fixed
  std::array<int, 64> before{}, previous{}, current{};
  for (int j = 0; j <= m; ++j) previous[static_cast<std::size_t>(j)] = j;
  for (int i = 1; i <= n; ++i) {
    current[0] = i;
    int row_best = i;
    for (int j = 1; j <= m; ++j) {
      const auto J = static_cast<std::size_t>(j);
      const int cost = a[static_cast<std::size_t>(i - 1)] == b[J - 1] ? 0 : 1;
      int d = std::min({previous[J] + 1, current[J - 1] + 1, previous[J - 1] + cost});
      if (i > 1 && j > 1 && a[static_cast<std::size_t>(i - 1)] == b[J - 2] &&
          a[static_cast<std::size_t>(i - 2)] == b[J - 1])
        d = std::min(d, before[J - 2] + 1);  // transposition
      current[J] = d;
      row_best = std::min(row_best, d);
    }
    if (row_best > limit) return limit + 1;
    before = previous;
    previous = current;
  }
  return std::min(previous[static_cast<std::size_t>(m)], limit + 1);
}

}  // namespace geotarget::detail
