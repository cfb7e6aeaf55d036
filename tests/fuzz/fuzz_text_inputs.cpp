// libFuzzer: the text parsers that take user input on hot paths or from files: IP addresses,
// segment expressions, CSV records and single-line addresses. None may crash.
#include <cstdint>
#include <sstream>
#include <string>

#include "address_parts.hpp"
#include "csv_reader.hpp"
#include "geotarget/ip_address.hpp"
#include "geotarget/segment.hpp"
#include "text_normalize.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  geotarget::IpAddress ip;
  (void)geotarget::parse_ip(text, ip);
  try {
    auto s = geotarget::Segment::parse(text);
    (void)s.matches([](std::string_view) { return std::string_view("7"); });
  } catch (const geotarget::Error&) {
  }
  std::istringstream in(text);
  geotarget::detail::CsvOptions small;
  small.chunk_bytes = 7;
  small.max_record_bytes = 64;
  geotarget::detail::CsvReader reader(in, small);
  geotarget::detail::CsvRecord r;
  for (int i = 0; i < 1000 && reader.next(r) != geotarget::detail::CsvStatus::end_of_input; ++i) {
  }
  (void)geotarget::detail::normalize_place_name(text);
  (void)geotarget::detail::edit_distance(text, "springfield", 2);
  geotarget::AddressQuery q{text, "", "", "", "", ""};
  (void)geotarget::detail::split_address(q, [](std::string_view s, std::string_view, bool) { return s == "IL"; },
                                         [](std::string_view s) { return s == "USA"; });
  return 0;
}
