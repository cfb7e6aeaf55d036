// geotarget: the one error model.
//
//   try {
//     auto index = geotarget::PlaceIndex::load("geodata/default.yaml");
//   } catch (const geotarget::Error& e) {
//     std::cerr << e.what() << " (" << geotarget::describe(e.code()) << ")\n";
//   }
//
// Loading files (IP databases, geodata, campaigns, CSV inputs) and writing outputs may throw
// geotarget::Error, with a code from ErrorCode; nothing else leaves the library as an exception
// (but std::bad_alloc). Hot paths (IP lookup, point lookup, decisions) never throw: they return
// status enums (LookupStatus, CoordinateStatus), each with a describe(). Parse functions have one
// form: `[[nodiscard]] R parse_x(text, T& out) noexcept`, R being bool where there is one way to
// fail and a status enum where the reason matters. The CLI's main() and the HTTP handler are
// the only places that turn an Error into text for the user.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace geotarget {

enum class ErrorCode : std::uint8_t {
  invalid_input,   ///< a file or value has content that cannot be used (format, field, range)
  io,              ///< a file cannot be opened, read, written or renamed
  invalid_option,  ///< an options struct or command-line flag is not usable
  limit_exceeded,  ///< a size or count is above a documented limit
};

/// Stable snake_case name: "invalid_input", "io", "invalid_option", "limit_exceeded".
[[nodiscard]] std::string_view describe(ErrorCode code) noexcept;

/// A file, value or option could not be used. what() names the file, the place in it (line,
/// field, record) and the reason, in one line, e.g. "demo.csv:12: network 10.0.0.0/33: prefix
/// too long".
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message, ErrorCode code = ErrorCode::invalid_input)
      : std::runtime_error(message), code_(code) {}
  [[nodiscard]] ErrorCode code() const noexcept { return code_; }

 private:
  ErrorCode code_;
};

}  // namespace geotarget
