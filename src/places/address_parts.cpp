#include "address_parts.hpp"

#include <algorithm>
#include <array>
#include <vector>

#include "text.hpp"

namespace geotarget::detail {

namespace {

std::vector<std::string_view> split(std::string_view s, char by) {
  std::vector<std::string_view> out;
  for (std::size_t start = 0; start <= s.size();) {
    std::size_t end = std::min(s.find(by, start), s.size());
    if (std::string_view part = trim(s.substr(start, end - start)); !part.empty()) out.push_back(part);
    start = end + 1;
  }
  return out;
}

// "OH 43002." and "…, NY ;": punctuation around the end carries nothing.
std::string_view trim_punctuation(std::string_view s) {
  while (!s.empty() && (s.back() == '.' || s.back() == ';' || s.back() == ':' || s.back() == ' ')) s.remove_suffix(1);
  while (!s.empty() && (s.front() == ';' || s.front() == ':' || s.front() == ' ')) s.remove_prefix(1);
  return s;
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool looks_like_zip(std::string_view t) {
  if (t.size() == 10 && t[5] == '-') return all_digits(t.substr(0, 5)) && all_digits(t.substr(6));
  return (t.size() == 5 || t.size() == 9) && all_digits(t);
}

std::string join(const std::vector<std::string_view>& words, std::size_t from, std::size_t to) {
  std::string out;
  for (std::size_t i = from; i < to; ++i) {
    if (!out.empty()) out += ' ';
    out += words[i];
  }
  return out;
}

bool is_street_word(std::string_view w) {
  static constexpr std::array<std::string_view, 24> kStreet = {
      "st", "st.", "street", "ave", "ave.", "avenue", "rd", "rd.", "road", "blvd", "blvd.", "boulevard",
      "dr", "dr.", "drive", "ln", "lane", "way", "ct", "court", "pl", "hwy", "highway", "pkwy"};
  std::string lower(w);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  return std::find(kStreet.begin(), kStreet.end(), lower) != kStreet.end();
}

// "45 oak ave apt 3 canon city" -> "canon city": what follows the street (and its unit).
std::string town_after_street(const std::vector<std::string_view>& words) {
  if (words.empty() || !all_digits(words.front())) return join(words, 0, words.size());
  std::size_t start = 0;
  for (std::size_t i = 1; i < words.size(); ++i) {
    if (is_street_word(words[i])) start = i + 1;
    std::string lower(words[i]);
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    if ((lower == "apt" || lower == "unit" || lower == "suite" || lower == "ste") && i + 1 < words.size())
      start = i + 2;
    if (!lower.empty() && lower[0] == '#') start = i + 1;
  }
  return join(words, start, words.size());
}

// A postal code written before the town ("80331 München", "0108 Tbilisi"), in a part of its own
// after the street: 4 or 5 digits followed by the town's words, none of them a street word
// ("1234 Main Street" is a street); moved from `words` to `postal`.
void take_leading_code(std::vector<std::string_view>& words, std::string& postal) {
  if (words.size() < 2 || !all_digits(words.front()) || words.front().size() < 4 || words.front().size() > 5) return;
  if (std::any_of(words.begin() + 1, words.end(), is_street_word)) return;
  postal = words.front();
  words.erase(words.begin());
}

void parse_single_line(std::string_view address, AddressParts& out,
                       const RegionTest& is_region,
                       const std::function<bool(std::string_view)>& is_country) {
  std::string text(address);
  std::replace(text.begin(), text.end(), ';', ',');  // "12 Elm St; Dover, DE": a separator too
  std::vector<std::string_view> parts = split(text, ',');
  for (auto& p : parts) p = trim_punctuation(p);
  if (parts.size() > 1 && !is_region(parts.back(), out.country, true) && is_country(parts.back())) {
    if (out.country.empty()) out.country = parts.back();
    parts.pop_back();
  }
  if (parts.empty()) return;
  std::vector<std::string_view> words = split(parts.back(), ' ');
  std::string postal;
  if (!words.empty() && looks_like_zip(words.back())) {
    postal = words.back(), words.pop_back();
  } else if (words.size() >= 2 && all_digits(words.back()) && words.back().size() >= 3 &&
             words.back().size() <= 4 && is_region(words[words.size() - 2], out.country, false)) {
    postal = words.back(), words.pop_back();  // a ZIP that lost its leading zeros: "MA 2134"
  } else if (parts.size() > 1) {
    take_leading_code(words, postal);
  }
  // The whole part names a region ("United States Virgin Islands", "Bavaria"), else its last
  // words do within the country ("Springfield IL"): "Islands" of "…Virgin Islands" is not Hong
  // Kong's Islands District.
  std::string state = join(words, 0, words.size());
  if (!state.empty() && is_region(state, out.country, true)) words.clear();
  else state.clear();
  for (std::size_t n = std::min<std::size_t>(3, words.empty() ? 0 : words.size() - 1); n >= 1 && state.empty(); --n) {
    std::string candidate = join(words, words.size() - n, words.size());
    if (is_region(candidate, out.country, false)) state = candidate, words.resize(words.size() - n);
  }
  std::string town = town_after_street(words);
  if (town.empty() && parts.size() > 1) {  // "…, 0108 Tbilisi, Georgia": the town part before the region
    std::vector<std::string_view> town_words = split(parts[parts.size() - 2], ' ');
    if (postal.empty() && parts.size() > 2) take_leading_code(town_words, postal);
    town = town_after_street(town_words);
  }
  // A lone part that names a region may name a town too ("New York", "Tel Aviv", "Tbilisi"):
  // the gazetteer takes the town of that name inside the region when there is one.
  if (town.empty() && !state.empty()) town = state;
  if (out.postal.empty()) out.postal = postal;
  if (out.state.empty()) out.state = state;
  if (out.city.empty()) out.city = town;
}

}  // namespace

AddressParts split_address(const AddressQuery& query, const RegionTest& is_region,
                           const std::function<bool(std::string_view)>& is_country) {
  AddressParts out{std::string(trim(query.city)), std::string(trim(query.state)),
                   std::string(trim(query.postal)), std::string(trim(query.country))};
  if (!trim(query.address).empty()) parse_single_line(query.address, out, is_region, is_country);
  return out;
}

}  // namespace geotarget::detail
