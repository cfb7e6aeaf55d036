// geotarget: the one exception family.
//
// Loading files (IP databases, geodata, campaigns, CSV inputs) may throw geotarget::Error;
// hot paths (IP lookup, point lookup, decisions) never throw and return status enums instead.
// The CLI's main() and the HTTP handler are the only places that translate Error into text
// for the user.
#pragma once

#include <stdexcept>
#include <string>

namespace geotarget {

/// A file or option could not be used. what() names the file, the place in it (line, field,
/// record) and the reason, in one line, e.g. "demo.csv:12: network 10.0.0.0/33: prefix too long".
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace geotarget
