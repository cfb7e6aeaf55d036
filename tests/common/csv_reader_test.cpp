// The streaming CSV reader. Each table row is an input text and the records it must give;
// every row is read with several tiny chunk sizes too, so that a chunk boundary falls at every
// position of every record (inside quotes, between CR and LF, between the two quotes of "").
#include <catch2/catch.hpp>
#include <sys/resource.h>

#include <ostream>
#include <sstream>
#include <streambuf>

#include "csv_reader.hpp"
#include "geotarget/error.hpp"

using namespace geotarget::detail;
using S = CsvStatus;

namespace {

// One record as read: its fields when ok, else its raw text.
struct Read {
  std::size_t line;
  CsvStatus status;
  std::vector<std::string> text;
  friend bool operator==(const Read&, const Read&) = default;
  friend std::ostream& operator<<(std::ostream& os, const Read& r) {
    os << "{line " << r.line << ", " << describe(r.status) << ",";
    for (const auto& t : r.text) os << " [" << t << "]";
    return os << "}";
  }
};

Read ok(std::size_t line, std::vector<std::string> fields) { return {line, S::ok, std::move(fields)}; }
Read bad(std::size_t line, CsvStatus s, std::string raw) { return {line, s, {std::move(raw)}}; }

std::vector<Read> read_all(const std::string& text, CsvOptions options = {}) {
  std::istringstream in(text);
  CsvReader reader(in, options);
  std::vector<Read> out;
  CsvRecord r;
  for (CsvStatus s; (s = reader.next(r)) != S::end_of_input;) {
    if (s != S::ok) {
      CHECK(r.fields.empty());
      out.push_back(bad(r.line, s, std::string(r.raw)));
      continue;
    }
    out.push_back(ok(r.line, {r.fields.begin(), r.fields.end()}));
  }
  CHECK(reader.bytes_read() == text.size());
  return out;
}

struct Case {
  const char* name;
  std::string text;
  std::vector<Read> expected;
  std::size_t max_record_bytes = 1 << 20;
};

void check_cases(const std::vector<Case>& cases) {
  for (const Case& c : cases) {
    for (std::size_t chunk : {std::size_t{1} << 18, std::size_t{1}, std::size_t{2}, std::size_t{3},
                              std::size_t{4}, std::size_t{5}, std::size_t{7}}) {
      INFO(c.name << " (chunk " << chunk << ")");
      CsvOptions o;
      o.chunk_bytes = chunk;
      o.max_record_bytes = c.max_record_bytes;
      CHECK(read_all(c.text, o) == c.expected);
    }
  }
}

}  // namespace

TEST_CASE("RFC 4180 records, line ends and empty fields") {
  check_cases({
      {"plain LF", "a,b\n1,2\n", {ok(1, {"a", "b"}), ok(2, {"1", "2"})}},
      {"CRLF", "a,b\r\n1,2\r\n", {ok(1, {"a", "b"}), ok(2, {"1", "2"})}},
      {"lone CR", "a,b\r1,2\r", {ok(1, {"a", "b"}), ok(2, {"1", "2"})}},
      {"no final line end", "a,b\n1,2", {ok(1, {"a", "b"}), ok(2, {"1", "2"})}},
      {"BOM", "\xEF\xBB\xBFid,x\n1,2\n", {ok(1, {"id", "x"}), ok(2, {"1", "2"})}},
      {"empty fields", "a,b,c\n,,\n1,,\n,\"\",3", {ok(1, {"a", "b", "c"}), ok(2, {"", "", ""}),
                                                   ok(3, {"1", "", ""}), ok(4, {"", "", "3"})}},
      {"trailing delimiter at EOF", "a,", {ok(1, {"a", ""})}},
      {"blank lines skipped, counted", "a\n\n1\r\n\r\n2\r\r3\n\n",
       {ok(1, {"a"}), ok(3, {"1"}), ok(5, {"2"}), ok(7, {"3"})}},
      {"spaces kept", " a , b \n", {ok(1, {" a ", " b "})}},
      {"UTF-8 kept", "Île-de-France,Zürich\n", {ok(1, {"Île-de-France", "Zürich"})}},
      {"empty input", "", {}},
      {"only a BOM", "\xEF\xBB\xBF", {}},
  });
}

TEST_CASE("quoted fields hold delimiters, doubled quotes and line ends") {
  check_cases({
      {"delimiter", "1,\"12 Main St, Apt 4\"\n", {ok(1, {"1", "12 Main St, Apt 4"})}},
      {"doubled quotes", "\"say \"\"hi\"\"\",\"\"\"\"\n", {ok(1, {"say \"hi\"", "\""})}},
      {"LF inside, later lines numbered on", "1,\"two\nlines\"\n2,x\n",
       {ok(1, {"1", "two\nlines"}), ok(3, {"2", "x"})}},
      {"CRLF and CR inside", "\"a\r\nb\rc\",d\r\ne\r\n", {ok(1, {"a\r\nb\rc", "d"}), ok(4, {"e"})}},
      {"quoted then CRLF", "\"a\"\r\n\"b\"", {ok(1, {"a"}), ok(2, {"b"})}},
      {"two doubled-quote fields", "\"a\"\"\",\"\"\"b\"\n", {ok(1, {"a\"", "\"b"})}},
  });
}

TEST_CASE("malformed records are statuses with line and raw text, and reading resumes at the next line") {
  check_cases({
      {"stray quote", "a,b\n1,x\"y\n2,ok\n",
       {ok(1, {"a", "b"}), bad(2, S::stray_quote, "1,x\"y"), ok(3, {"2", "ok"})}},
      {"text after quote", "a,b\r\n1,\"x\"y\r\n2,ok\r\n",
       {ok(1, {"a", "b"}), bad(2, S::text_after_quote, "1,\"x\"y"), ok(3, {"2", "ok"})}},
      {"unterminated quote at EOF costs one line", "a\n1,\"never closed\n2,ok\n3,ok",
       {ok(1, {"a"}), bad(2, S::unterminated_quote, "1,\"never closed"), ok(3, {"2", "ok"}),
        ok(4, {"3", "ok"})}},
      {"error after a multi-line quoted field", "1,\"x\ny\"z,3\n2,ok\n",
       {bad(1, S::text_after_quote, "1,\"x\ny\"z,3"), ok(3, {"2", "ok"})}},
      {"error on the last line without line end", "1,ok\n2,x\"", {ok(1, {"1", "ok"}), bad(2, S::stray_quote, "2,x\"")}},
      {"too long within one chunk", "a,b\n1,0123456789\n2,ok\n",
       {ok(1, {"a", "b"}), bad(2, S::record_too_long, "1,01234567"), ok(3, {"2", "ok"})}, 10},
      {"too long, CRLF", "1,0123456789\r\n2,ok\r\n", {bad(1, S::record_too_long, "1,01234567"), ok(2, {"2", "ok"})}, 10},
      {"exactly the limit is fine", "0123456789\n", {ok(1, {"0123456789"})}, 10},
  });
}

TEST_CASE("an over-long line is skipped in bounded memory and the next record read") {
  // A 256 MiB line that never exists as a whole: the stream makes it up as it is read.
  struct Generated : std::streambuf {
    std::string block = std::string(1 << 16, 'x');
    std::size_t blocks_left = 4096;
    std::string tail = "\n2,ok\n";
    bool tail_given = false;
    int_type underflow() override {
      if (blocks_left > 0) {
        --blocks_left;
        setg(block.data(), block.data(), block.data() + block.size());
      } else if (!tail_given) {
        tail_given = true;
        setg(tail.data(), tail.data(), tail.data() + tail.size());
      } else {
        return traits_type::eof();
      }
      return traits_type::to_int_type(*gptr());
    }
  } source;
  rusage before{}, after{};
  getrusage(RUSAGE_SELF, &before);
  std::istream in(&source);
  CsvReader reader(in, CsvOptions{',', 1000});
  CsvRecord r;
  REQUIRE(reader.next(r) == S::record_too_long);
  CHECK(r.line == 1);
  CHECK(r.raw == std::string(1000, 'x'));
  REQUIRE(reader.next(r) == S::ok);
  CHECK(r.line == 2);
  CHECK(r.byte_offset == (std::uint64_t{1} << 28) + 1);
  CHECK(reader.next(r) == S::end_of_input);
  getrusage(RUSAGE_SELF, &after);
  CHECK(after.ru_maxrss - before.ru_maxrss < 16 * 1024);  // KiB: far less than the line
}

TEST_CASE("a never-closed quote in a big file becomes one over-long record, not the whole file") {
  std::string text = "a,b\n1,\"open\n";
  for (int i = 2; i < 5000; ++i) text += std::to_string(i) + ",row\n";
  CsvOptions o;
  o.max_record_bytes = 1000;
  o.chunk_bytes = 512;
  auto r = read_all(text, o);
  REQUIRE(r.size() == 5000);
  CHECK(r[1] == bad(2, S::record_too_long, "1,\"open"));
  CHECK(r[2] == ok(3, {"2", "row"}));
  CHECK(r.back() == ok(5000, {"4999", "row"}));
}

TEST_CASE("each record reports its byte offset, and bytes_read follows the input") {
  std::istringstream in("\xEF\xBB\xBF" "a,b\r\n\n\"x\ny\",2\n3,4");
  CsvReader reader(in);
  CsvRecord r;
  const std::uint64_t offsets[] = {3, 9, 17};
  const std::size_t lines[] = {1, 3, 5};
  const char* raws[] = {"a,b", "\"x\ny\",2", "3,4"};
  for (int i = 0; i < 3; ++i) {
    INFO("record " << i);
    REQUIRE(reader.next(r) == S::ok);
    CHECK(r.byte_offset == offsets[i]);
    CHECK(r.line == lines[i]);
    CHECK(r.raw == raws[i]);
  }
  CHECK(reader.bytes_read() == 20);
  CHECK(reader.next(r) == S::end_of_input);
}

TEST_CASE("the delimiter is the most frequent of comma, semicolon and tab outside quotes on the first line") {
  struct Row {
    std::string text;
    char delimiter;
  };
  const Row rows[] = {
      {"a,b,c\n", ','},           {"a;b;c\n1;2,5;3\n", ';'},  {"a\tb\n", '\t'},
      {"\"x;y;z\",b\n", ','},     {"a;b,c\n", ','},           {"single\n", ','},
      {"\n\na;b\n", ';'},         {"", ','},                  {"\xEF\xBB\xBF" "a;b", ';'},
  };
  for (const Row& row : rows) {
    INFO(row.text);
    std::istringstream in(row.text);
    CHECK(CsvReader(in).delimiter() == row.delimiter);
  }
  CsvOptions pipe;
  pipe.delimiter = '|';
  CHECK(read_all("a|b\n1|\"2|3\"\n", pipe) == std::vector<Read>{ok(1, {"a", "b"}), ok(2, {"1", "2|3"})});
  std::istringstream in("a");
  try {
    CsvReader reader(in, CsvOptions{'"'});
    FAIL("a quote as delimiter was accepted");
  } catch (const geotarget::Error& e) {
    CHECK(e.code() == geotarget::ErrorCode::invalid_option);
    CHECK(std::string(e.what()).find("delimiter") != std::string::npos);
  }
}

TEST_CASE("records spanning many read chunks come out whole") {
  std::string text = "id,text\n";
  for (int i = 0; i < 20000; ++i) text += std::to_string(i) + ",\"row " + std::to_string(i) + ", \"\"q\"\"\"\n";
  CsvOptions o;
  o.chunk_bytes = 4093;
  auto r = read_all(text, o);
  REQUIRE(r.size() == 20001);
  for (std::size_t i = 0; i < 20000; ++i)
    REQUIRE(r[i + 1] == ok(i + 2, {std::to_string(i), "row " + std::to_string(i) + ", \"q\""}));
}

TEST_CASE("fields are escaped for output only when needed, and read back unchanged") {
  struct Row {
    std::string field, escaped;
    char delimiter = ',';
  };
  const Row rows[] = {
      {"plain", "plain"},         {"a,b", "\"a,b\""},           {"say \"hi\"", "\"say \"\"hi\"\"\""},
      {"two\nlines", "\"two\nlines\""}, {"cr\rhere", "\"cr\rhere\""}, {"a;b", "\"a;b\"", ';'},
      {"a;b", "a;b"},             {"", ""},                     {" padded ", "\" padded \""},
  };
  for (const Row& row : rows) {
    INFO(row.field);
    CHECK(csv_escape(row.field, row.delimiter) == row.escaped);
    std::string line = std::string("x") += row.delimiter;  // (GCC 12 -Wrestrict misfires on "x" + ...)
    line += row.escaped + "\n";
    CHECK(read_all(line, CsvOptions{row.delimiter}) == std::vector<Read>{ok(1, {"x", row.field})});
  }
}
