// libFuzzer: arbitrary text as a segment expression (Segment::parse), exact and ignoring case,
// and what parses is matched against one fixed customer row (one value not UTF-8) and asked for
// its columns. Parsing must throw geotarget::Error or succeed; matching must answer; nothing may
// crash. The parser bounds length, comparisons and nesting itself, so no input is cut here.
#include <cstdint>
#include <string>
#include <string_view>

#include "geotarget/error.hpp"
#include "geotarget/segment.hpp"

namespace {

std::string_view customer(std::string_view column) noexcept {
  if (column == "loyalty_tier") return "gold";
  if (column == "days_since_purchase") return "200";
  if (column == "price_sensitivity") return "low";
  if (column == "age") return "-3.5e1";
  if (column == "city") return "Chicago";
  if (column == "name") return "\xc3\x28\xe2\x82";  // broken UTF-8
  return "";  // a column the row lacks
}

void parse_and_match(std::string_view text, geotarget::TextCase text_case) {
  try {
    const geotarget::Segment s = geotarget::Segment::parse(text, text_case);
    (void)s.matches(customer);
    (void)s.columns();
    // What parsed once must parse again from its own text.
    (void)geotarget::Segment::parse(s.text(), text_case).matches(customer);
  } catch (const geotarget::Error&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  parse_and_match(text, geotarget::TextCase::exact);
  parse_and_match(text, geotarget::TextCase::insensitive);
  return 0;
}
