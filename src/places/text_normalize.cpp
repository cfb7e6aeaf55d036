#include "text_normalize.hpp"

#include <utf8proc.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <memory>

namespace geotarget::detail {

namespace {

bool is_ascii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

// Case fold, decompose and strip accents; returns the input unchanged if it is not UTF-8.
std::string fold_unicode(std::string_view text) {
  utf8proc_uint8_t* out = nullptr;
  const auto options = static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_COMPAT |
                                                      UTF8PROC_COMPOSE | UTF8PROC_CASEFOLD |
                                                      UTF8PROC_STRIPMARK);
  utf8proc_ssize_t n = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(text.data()),
                                    static_cast<utf8proc_ssize_t>(text.size()), &out, options);
  if (n < 0) return std::string(text);
  std::unique_ptr<utf8proc_uint8_t, decltype(&std::free)> owned(out, &std::free);
  return std::string(reinterpret_cast<const char*>(out), static_cast<std::size_t>(n));
}

}  // namespace

std::string normalize_text(std::string_view text) {
  std::string folded;
  if (!is_ascii(text)) {
    folded = fold_unicode(text);
    text = folded;
  }
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const auto u = static_cast<unsigned char>(c);
    // Apostrophe-like letters are dropped as ASCII ones are: Hoʻolehua (okina), O’Fallon.
    if (text.compare(i, 2, "\xCA\xBB") == 0 || text.compare(i, 3, "\xE2\x80\x98") == 0 ||
        text.compare(i, 3, "\xE2\x80\x99") == 0) {
      i += u == 0xCA ? 1 : 2;
      continue;
    }
    if (u >= 0x80 || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
      out += c;
    } else if (c >= 'A' && c <= 'Z') {
      out += static_cast<char>(c - 'A' + 'a');
    } else if (c == '\'' || c == '.') {
      continue;  // O'Fallon = OFallon, St. = St
    } else if (!out.empty() && out.back() != ' ') {
      out += ' ';
    }
  }
  if (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

std::string normalize_place_name(std::string_view text) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 4> kAbbreviations = {{
      {"st", "saint"}, {"ste", "sainte"}, {"ft", "fort"}, {"mt", "mount"}}};
  std::string plain = normalize_text(text), out;
  out.reserve(plain.size() + 8);
  for (std::string_view word : words_of(plain)) {
    if (!out.empty()) out += ' ';
    auto hit = std::find_if(kAbbreviations.begin(), kAbbreviations.end(),
                            [&](const auto& a) { return a.first == word; });
    out += hit != kAbbreviations.end() ? hit->second : word;
  }
  return out;
}

std::vector<std::string_view> words_of(std::string_view normalized) {
  std::vector<std::string_view> words;
  for (std::size_t start = 0; start < normalized.size();) {
    std::size_t end = normalized.find(' ', start);
    if (end == std::string_view::npos) end = normalized.size();
    if (end > start) words.push_back(normalized.substr(start, end - start));
    start = end + 1;
  }
  return words;
}

int typo_budget(std::size_t length) noexcept { return length <= 4 ? 0 : length <= 8 ? 1 : 2; }

}  // namespace geotarget::detail
