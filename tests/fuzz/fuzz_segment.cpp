// libFuzzer: arbitrary text as a segment expression (Segment::parse), and what parses is
// matched against one fixed customer row and asked for its columns. Parsing must throw
// geotarget::Error or succeed; matching must answer; nothing may crash.
//
// Input is capped at 4 KiB for now: the parser and matches() recurse once per nesting level,
// so tens of thousands of '(' or 'not' overflow the stack. That is a known issue being fixed
// in src/campaigns/segment.cpp on main; remove the cap once the parser bounds its depth.
#include <cstdint>
#include <string>
#include <string_view>

#include "geotarget/error.hpp"
#include "geotarget/segment.hpp"

namespace {
constexpr std::size_t kMaxInput = 4096;  // see above: the known deep-nesting stack overflow
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > kMaxInput) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const geotarget::Segment s = geotarget::Segment::parse(text);
    const auto row = [](std::string_view column) noexcept -> std::string_view {
      if (column == "loyalty_tier") return "gold";
      if (column == "days_since_purchase") return "200";
      if (column == "price_sensitivity") return "low";
      if (column == "age") return "-3.5e1";
      if (column == "city") return "Chicago";
      return "";  // a column the row lacks
    };
    (void)s.matches(row);
    (void)s.columns();
    // What parsed once must parse again from its own text.
    (void)geotarget::Segment::parse(s.text()).matches(row);
  } catch (const geotarget::Error&) {
  }
  return 0;
}
