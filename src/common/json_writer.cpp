#include "geotarget/json_writer.hpp"

#include "text.hpp"

namespace geotarget {

JsonWriter& JsonWriter::input_text(std::string_view v) { return string(detail::valid_utf8(v)); }

}  // namespace geotarget
