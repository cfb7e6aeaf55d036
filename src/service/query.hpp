// Internal: the request target split into its path and its decoded query parameters.
#pragma once

#include <algorithm>
#include <array>
#include <span>
#include <string>
#include <string_view>

namespace geotarget::service {

class Query {
 public:
  static constexpr std::size_t kMaxParameters = 8;

  enum class Status { ok, malformed, too_many };

  /// Splits "/path?a=1&b=x%3Ay" and percent-decodes names and values ('+' is a space).
  Status parse(std::string_view target) {
    const std::size_t q = target.find('?');
    path_ = target.substr(0, q);
    count_ = 0;
    if (q == std::string_view::npos) return Status::ok;
    std::string_view rest = target.substr(q + 1);
    while (!rest.empty()) {
      const std::size_t amp = rest.find('&');
      const std::string_view pair = rest.substr(0, amp);
      rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
      if (pair.empty()) continue;
      if (count_ == kMaxParameters) return Status::too_many;
      const std::size_t eq = pair.find('=');
      auto& [name, value] = params_[count_++];
      if (!decode(pair.substr(0, eq), name) ||
          !decode(eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1), value))
        return Status::malformed;
    }
    return Status::ok;
  }

  [[nodiscard]] std::string_view path() const noexcept { return path_; }
  /// The value of `name`, or nullptr when absent.
  [[nodiscard]] const std::string* get(std::string_view name) const noexcept {
    for (std::size_t i = 0; i < count_; ++i)
      if (params_[i].first == name) return &params_[i].second;
    return nullptr;
  }
  /// How many parameters have a name not among `known`.
  [[nodiscard]] std::size_t count_unknown(std::span<const std::string_view> known) const noexcept {
    std::size_t n = 0;
    for (std::size_t i = 0; i < count_; ++i)
      n += std::find(known.begin(), known.end(), params_[i].first) == known.end() ? 1 : 0;
    return n;
  }

 private:
  static int hex(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }
  static bool decode(std::string_view in, std::string& out) {
    out.clear();
    for (std::size_t i = 0; i < in.size(); ++i) {
      if (in[i] == '+') {
        out += ' ';
      } else if (in[i] != '%') {
        out += in[i];
      } else {
        if (i + 2 >= in.size()) return false;
        const int hi = hex(in[i + 1]), lo = hex(in[i + 2]);
        if (hi < 0 || lo < 0) return false;
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
      }
    }
    return true;
  }

  std::string_view path_;
  std::array<std::pair<std::string, std::string>, kMaxParameters> params_;
  std::size_t count_ = 0;
};

}  // namespace geotarget::service
