// The append-only JSON writer of the hot answers (service, CLI): escapes and numbers, read back
// with an independent parser.
#include <catch2/catch.hpp>

#include <cmath>
#include <nlohmann/json.hpp>
#include <string>

#include "geotarget/json_writer.hpp"

using Json = nlohmann::json;

TEST_CASE("the answer writer escapes what JSON requires and passes UTF-8 through") {
  std::string out;
  geotarget::JsonWriter w(out);
  const std::string tricky = "Cañon \"City\"\\ \x01\n\t end";
  w.begin_object().key("name").string(tricky).key("n").number(-0.5).key("none").number(std::nan(""));
  w.key("list").begin_array().integer(1).string_or_null("").begin_object().end_object().end_array().end_object();
  const Json j = Json::parse(out);
  CHECK(j["name"] == tricky);
  CHECK(j["n"] == -0.5);
  CHECK(j["none"].is_null());
  CHECK(j["list"] == Json::parse("[1, null, {}]"));
}
