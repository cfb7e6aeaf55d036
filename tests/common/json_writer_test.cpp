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

TEST_CASE("the answer writer gives short plain items, long items and escaped keys the same JSON") {
  // Short items without escapes are written in one piece, the others character by character:
  // both read back alike, commas included, in objects and arrays.
  std::string out;
  geotarget::JsonWriter w(out);
  const std::string long_plain(100, 'x');
  const std::string long_escaped = std::string(70, 'y') + "\"\n";
  w.begin_object().key("a").string("b").key(long_plain).string(long_plain).key("k\"ey").string(long_escaped);
  w.key("list").begin_array().string("one").string(long_plain).integer(-7).number(2.5).string("").end_array();
  w.key("n").integer(3).end_object();
  const Json j = Json::parse(out);
  CHECK(j.size() == 5);
  CHECK(j["a"] == "b");
  CHECK(j[long_plain] == long_plain);
  CHECK(j["k\"ey"] == long_escaped);
  CHECK(j["list"] == Json::array({"one", long_plain, -7, 2.5, ""}));
  CHECK(j["n"] == 3);
  CHECK(out.starts_with(R"({"a":"b",")"));
}
