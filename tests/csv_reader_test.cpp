#include <catch2/catch.hpp>

#include <sstream>

#include "csv_reader.hpp"

using namespace geotarget::detail;

namespace {

struct Read {
  CsvStatus status;
  std::size_t line;
  std::vector<std::string> fields;
  std::string raw;
};

// Every record of `text`, errors included, with tiny chunks impossible to hide behind.
std::vector<Read> read_all(const std::string& text, CsvOptions options = {}) {
  std::istringstream in(text);
  CsvReader reader(in, options);
  std::vector<Read> out;
  CsvRecord r;
  for (CsvStatus s; (s = reader.next(r)) != CsvStatus::end_of_input;) {
    Read read{s, r.line, {}, std::string(r.raw)};
    for (auto f : r.fields) read.fields.emplace_back(f);
    out.push_back(read);
  }
  return out;
}

using Fields = std::vector<std::string>;

}  // namespace

TEST_CASE("RFC 4180 quoting: delimiters, doubled quotes and newlines inside quotes") {
  auto r = read_all("id,address\n1,\"12 Main St, Apt 4\"\n2,\"say \"\"hi\"\"\"\n3,\"two\nlines\"\n4,plain\n");
  REQUIRE(r.size() == 5);
  CHECK(r[1].fields == Fields{"1", "12 Main St, Apt 4"});
  CHECK(r[2].fields == Fields{"2", "say \"hi\""});
  CHECK(r[3].fields == Fields{"3", "two\nlines"});
  CHECK(r[3].line == 4);
  CHECK(r[4].line == 6);  // the quoted newline counts
  CHECK(r[4].fields == Fields{"4", "plain"});
}

TEST_CASE("BOM, CRLF, empty fields and a last line without a line end") {
  auto r = read_all("\xEF\xBB\xBFid,city\r\n1,\r\n,x\r\n\"\",\"\"\r\n2,Paris");
  REQUIRE(r.size() == 5);
  CHECK(r[0].fields == Fields{"id", "city"});
  CHECK(r[1].fields == Fields{"1", ""});
  CHECK(r[2].fields == Fields{"", "x"});
  CHECK(r[3].fields == Fields{"", ""});
  CHECK(r[4].fields == Fields{"2", "Paris"});
  CHECK(r[4].raw == "2,Paris");
}

TEST_CASE("the delimiter is detected from the header, or given") {
  CHECK(read_all("a;b;c\n1;2,5;3\n")[1].fields == Fields{"1", "2,5", "3"});
  CHECK(read_all("a\tb\n1\t2\n")[1].fields == Fields{"1", "2"});
  CHECK(read_all("\"x;y\",b\n1,2\n")[1].fields == Fields{"1", "2"});  // ; inside quotes ignored
  CsvOptions pipe;
  pipe.delimiter = '|';
  CHECK(read_all("a|b\n1|2\n", pipe)[1].fields == Fields{"1", "2"});
}

TEST_CASE("blank lines are skipped but counted") {
  auto r = read_all("a\n\n1\n\r\n2\n");
  REQUIRE(r.size() == 3);
  CHECK(r[1].line == 3);
  CHECK(r[2].line == 5);
}

TEST_CASE("malformed records are statuses with line and raw text, and reading goes on") {
  struct Row {
    std::string text;
    CsvStatus status;
  };
  const Row rows[] = {
      {"a,b\n1,x\"y\n2,ok\n", CsvStatus::stray_quote},
      {"a,b\n1,\"x\"y\n2,ok\n", CsvStatus::text_after_quote},
  };
  for (const Row& row : rows) {
    auto r = read_all(row.text);
    REQUIRE(r.size() == 3);
    CHECK(r[1].status == row.status);
    CHECK(r[1].line == 2);
    CHECK(r[1].raw.rfind("1,", 0) == 0);
    CHECK(r[2].status == CsvStatus::ok);
    CHECK(r[2].fields == Fields{"2", "ok"});
    CHECK(r[2].line == 3);
  }
}

TEST_CASE("an unterminated quote at the end of the input is reported") {
  auto r = read_all("a,b\n1,ok\n2,\"never closed\n");
  REQUIRE(r.size() == 3);
  CHECK(r[1].fields == Fields{"1", "ok"});
  CHECK(r[2].status == CsvStatus::unterminated_quote);
  CHECK(r[2].line == 3);
  CHECK(r[2].raw == "2,\"never closed");
}

TEST_CASE("an over-long record is rejected and the next one read") {
  CsvOptions small;
  small.max_record_bytes = 1000;
  std::string text = "a,b\n1," + std::string(300000, 'x') + "\n2,ok\n";
  auto r = read_all(text, small);
  REQUIRE(r.size() == 3);
  CHECK(r[1].status == CsvStatus::record_too_long);
  CHECK(r[1].line == 2);
  CHECK(r[2].fields == Fields{"2", "ok"});
}

TEST_CASE("records spanning read chunks come out whole") {
  std::string text = "id,text\n";
  for (int i = 0; i < 20000; ++i) text += std::to_string(i) + ",\"row " + std::to_string(i) + ", \"\"q\"\"\"\n";
  auto r = read_all(text);
  REQUIRE(r.size() == 20001);
  for (int i = 0; i < 20000; ++i) {
    REQUIRE(r[static_cast<std::size_t>(i) + 1].fields ==
            Fields{std::to_string(i), "row " + std::to_string(i) + ", \"q\""});
  }
  CHECK(r.back().line == 20001);
}

TEST_CASE("fields are escaped for output only when needed") {
  CHECK(csv_escape("plain") == "plain");
  CHECK(csv_escape("a,b") == "\"a,b\"");
  CHECK(csv_escape("say \"hi\"") == "\"say \"\"hi\"\"\"");
  CHECK(csv_escape("two\nlines") == "\"two\nlines\"");
  CHECK(csv_escape("a;b", ';') == "\"a;b\"");
  CHECK(csv_escape("") == "");
}
