#include "geotarget/error.hpp"

namespace geotarget {

std::string_view describe(ErrorCode code) noexcept {
  switch (code) {
    case ErrorCode::invalid_input: return "invalid_input";
    case ErrorCode::io: return "io";
    case ErrorCode::invalid_option: return "invalid_option";
    case ErrorCode::limit_exceeded: return "limit_exceeded";
  }
  return "invalid_input";
}

}  // namespace geotarget
