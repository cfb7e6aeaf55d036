// The MMDB writer and dump, checked by reading the output back through libmaxminddb itself (and
// MaxMind's mmdblookup), against answers known independently of the writer: CIDR arithmetic,
// libmaxminddb's netmasks, MaxMind's own test databases and their JSON sources.
#include <catch2/catch.hpp>
#include <maxminddb.h>
#include <utime.h>

#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <sstream>

#include "geotarget/error.hpp"
#include "geotarget/mmdb_writer.hpp"
#include "test_support.hpp"

using namespace geotarget;
namespace fs = std::filesystem;
using Catch::Contains;

namespace {

constexpr std::uint64_t kEpoch = 1767225600;  // 2026-01-01

struct Built {
  fs::path dir, csv, db;
  MmdbBuildReport report;
};

Built build(const std::string& name, const std::string& csv, MmdbBuildOptions opt = {}) {
  Built b;
  b.dir = test::fresh_dir("mmdb_" + name);
  b.csv = test::write_file(b.dir / "in.csv", csv);
  b.db = b.dir / "out.mmdb";
  if (!opt.build_epoch) opt.build_epoch = kEpoch;
  b.report = build_mmdb(b.csv.string(), b.db.string(), opt);
  return b;
}

std::string dump(const fs::path& db) {
  std::ostringstream out;
  dump_mmdb(db.string(), out);
  return out.str();
}

template <typename N>
std::string text(N v) {
  char buf[64];
  return std::string(buf, std::to_chars(buf, buf + sizeof buf, v).ptr);
}

// A database opened with plain libmaxminddb. Values come back as "type:text", e.g. "str:London",
// "dbl:10.5", "u16:20"; "" when there is none.
class Db {
 public:
  explicit Db(const fs::path& path) { REQUIRE(MMDB_open(path.c_str(), MMDB_MODE_MMAP, &db_) == MMDB_SUCCESS); }
  ~Db() { MMDB_close(&db_); }
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  MMDB_lookup_result_s lookup(const std::string& ip) {
    int gai = 0, err = 0;
    MMDB_lookup_result_s r = MMDB_lookup_string(&db_, ip.c_str(), &gai, &err);
    REQUIRE(gai == 0);
    REQUIRE(err == MMDB_SUCCESS);
    return r;
  }

  /// The value at a dotted path ("location.latitude", "subdivisions.0.iso_code").
  std::string value(const std::string& ip, const std::string& dotted) {
    MMDB_lookup_result_s r = lookup(ip);
    if (!r.found_entry) return "";
    std::vector<std::string> parts;
    for (std::size_t start = 0, dot = 0; dot != std::string::npos; start = dot + 1)
      parts.push_back(dotted.substr(start, (dot = dotted.find('.', start)) - start));
    std::vector<const char*> path;
    for (const auto& p : parts) path.push_back(p.c_str());
    path.push_back(nullptr);
    MMDB_entry_data_s d;
    if (MMDB_aget_value(&r.entry, &d, path.data()) != MMDB_SUCCESS || !d.has_data) return "";
    switch (d.type) {
      case MMDB_DATA_TYPE_UTF8_STRING: return "str:" + std::string(d.utf8_string, d.data_size);
      case MMDB_DATA_TYPE_DOUBLE: return "dbl:" + text(d.double_value);
      case MMDB_DATA_TYPE_FLOAT: return "flt:" + text(d.float_value);
      case MMDB_DATA_TYPE_UINT16: return "u16:" + text(d.uint16);
      case MMDB_DATA_TYPE_UINT32: return "u32:" + text(d.uint32);
      case MMDB_DATA_TYPE_UINT64: return "u64:" + text(d.uint64);
      case MMDB_DATA_TYPE_INT32: return "i32:" + text(d.int32);
      case MMDB_DATA_TYPE_BOOLEAN: return d.boolean ? "bool:true" : "bool:false";
      case MMDB_DATA_TYPE_MAP: return "map:" + text(d.data_size);
      case MMDB_DATA_TYPE_ARRAY: return "array:" + text(d.data_size);
      default: return "other";
    }
  }

  const MMDB_metadata_s& meta() const { return db_.metadata; }

 private:
  MMDB_s db_{};
};

// The network column of a dump, one entry per network.
std::vector<std::string> dumped_networks(const fs::path& db) {
  std::vector<std::string> out;
  auto lines = test::lines_of(dump(db));
  for (std::size_t i = 1; i < lines.size(); ++i) out.push_back(lines[i].substr(0, lines[i].find(',')));
  return out;
}

std::string reject_of(const Built& b, std::size_t line) {
  const std::string prefix = b.csv.string() + ":" + std::to_string(line) + ": ";
  for (const auto& r : b.report.rejected)
    if (r.rfind(prefix, 0) == 0) return r.substr(prefix.size());
  return "(not rejected)";
}

}  // namespace

// ----------------------------------------------------------------- networks

TEST_CASE("networks of both families are found, IPv4 through every IPv6 form of it") {
  auto b = build("basic",
                 "network,city,latitude,code,asn\n"
                 "1.2.3.0/24,Alpha,10.5,007,42\n"
                 "2001:db8:1::/48,Beta,-3.25,,\n");
  REQUIRE(b.report.rejected.empty());
  CHECK(b.report.rows == 2);
  CHECK(b.report.networks == 2);
  Db db(b.db);
  struct Row {
    const char* ip;
    const char* city;
    int netmask;  // as libmaxminddb reports it, in the IPv6 tree's bits; -1: not found
  };
  const Row rows[] = {
      {"1.2.3.4", "str:Alpha", 96 + 24},         {"1.2.3.255", "str:Alpha", 96 + 24},
      {"::1.2.3.4", "str:Alpha", 96 + 24},       {"::ffff:1.2.3.4", "str:Alpha", 96 + 24},
      {"2002:102:304::1", "str:Alpha", 16 + 24}, {"1.2.4.0", "", -1},
      {"1.2.2.255", "", -1},                     {"2001:db8:1:ffff::9", "str:Beta", 48},
      {"2001:db8:2::", "", -1},
  };
  for (const Row& row : rows) {
    INFO(row.ip);
    auto r = db.lookup(row.ip);
    CHECK(r.found_entry == (row.netmask >= 0));
    if (row.netmask >= 0) CHECK(r.netmask == row.netmask);
    CHECK(db.value(row.ip, "city") == row.city);
  }
  CHECK(db.value("1.2.3.4", "latitude") == "dbl:10.5");
  CHECK(db.value("1.2.3.4", "code") == "str:007");
  CHECK(db.value("1.2.3.4", "asn") == "dbl:42");
  CHECK(db.value("2001:db8:1::1", "latitude") == "dbl:-3.25");
  CHECK(db.value("2001:db8:1::1", "code") == "");  // empty cells are left out
}

TEST_CASE("the metadata is complete and as given") {
  MmdbBuildOptions opt;
  opt.database_type = "Test-City";
  opt.description = "a test";
  auto b = build("meta", "network,city\n1.0.0.0/24,A\n", opt);
  Db db(b.db);
  const MMDB_metadata_s& m = db.meta();
  CHECK(m.node_count == b.report.node_count);
  CHECK(m.record_size == 24);
  CHECK(m.ip_version == 6);
  CHECK(std::string(m.database_type) == "Test-City");
  CHECK(m.binary_format_major_version == 2);
  CHECK(m.binary_format_minor_version == 0);
  CHECK(m.build_epoch == kEpoch);
  REQUIRE(m.languages.count == 1);
  CHECK(std::string(m.languages.names[0]) == "en");
  REQUIRE(m.description.count == 1);
  CHECK(std::string(m.description.descriptions[0]->language) == "en");
  CHECK(std::string(m.description.descriptions[0]->description) == "a test");
}

TEST_CASE("ranges are split into the fewest CIDR networks") {
  using V = std::vector<std::string>;
  struct Row {
    std::string range;
    V networks;
  };
  const Row rows[] = {
      {"1.0.0.0,1.0.0.255", {"1.0.0.0/24"}},
      {"1.0.0.1,1.0.0.6", {"1.0.0.1/32", "1.0.0.2/31", "1.0.0.4/31", "1.0.0.6/32"}},
      {"1.0.0.0,1.0.1.255", {"1.0.0.0/23"}},
      {"1.0.0.0,1.0.2.0", {"1.0.0.0/23", "1.0.2.0/32"}},
      {"1.0.0.3,1.0.0.4", {"1.0.0.3/32", "1.0.0.4/32"}},
      {"9.9.9.9,9.9.9.9", {"9.9.9.9/32"}},
      {"10.0.0.0,10.255.255.255", {"10.0.0.0/8"}},
      {"255.255.255.254,255.255.255.255", {"255.255.255.254/31"}},
      {"0.0.0.0,255.255.255.255", {"0.0.0.0/0"}},
      {"2001:db8::,2001:db8::ffff", {"2001:db8::/112"}},
      {"2001:db8::1,2001:db8::2", {"2001:db8::1/128", "2001:db8::2/128"}},
      {"ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe,ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
       {"ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe/127"}},
      {"8000::,ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", {"8000::/1"}},
  };
  for (const Row& row : rows) {
    INFO(row.range);
    auto b = build("range", "start_ip,end_ip,city\n" + row.range + ",X\n");
    REQUIRE(b.report.rejected.empty());
    CHECK(b.report.networks == row.networks.size());
    CHECK(dumped_networks(b.db) == row.networks);
  }
}

TEST_CASE("a split range answers with each block's own prefix") {
  auto b = build("range_lookup", "start_ip,end_ip,city\n1.0.0.1,1.0.0.6,X\n");
  Db db(b.db);
  const std::pair<const char*, int> rows[] = {  // address, libmaxminddb netmask (-1: not found)
      {"1.0.0.0", -1}, {"1.0.0.1", 128}, {"1.0.0.2", 127}, {"1.0.0.3", 127},
      {"1.0.0.4", 127}, {"1.0.0.5", 127}, {"1.0.0.6", 128}, {"1.0.0.7", -1},
  };
  for (auto [ip, netmask] : rows) {
    INFO(ip);
    auto r = db.lookup(ip);
    CHECK(r.found_entry == (netmask >= 0));
    if (netmask >= 0) CHECK(r.netmask == netmask);
  }
}

TEST_CASE("all of IPv4 as one network is reached through the aliases too") {
  auto b = build("all_v4", "network,city\n0.0.0.0/0,Anywhere\n2001:db8::/32,Six\n");
  REQUIRE(b.report.rejected.empty());
  Db db(b.db);
  const std::tuple<const char*, const char*, int> rows[] = {
      {"8.8.8.8", "str:Anywhere", 96},        {"::ffff:8.8.8.8", "str:Anywhere", 96},
      {"2002:808:808::1", "str:Anywhere", 16}, {"2001:db8::1", "str:Six", 32},
  };
  for (auto [ip, city, netmask] : rows) {
    INFO(ip);
    CHECK(db.value(ip, "city") == city);
    CHECK(db.lookup(ip).netmask == netmask);
  }
}

// ----------------------------------------------------------------- rejected rows

TEST_CASE("every bad CIDR row is rejected with its line and reason, and the valid rows are written") {
  auto b = build("rejects",
                 "network,city,accuracy:uint16\n"
                 "1.0.0.0/24,Good1,10\n"            // 2
                 "1.0.0.128/25,Inside,\n"           // 3
                 "1.0.0.0/16,Around,\n"             // 4
                 "1.0.0.0/24,Same,\n"               // 5
                 "1.0.1.0/33,BadPrefix,\n"          // 6
                 "2001:db8::/129,BadPrefix6,\n"     // 7
                 "1.0.1.1/24,HostBits,\n"           // 8
                 "2001:db8::1/64,HostBits6,\n"      // 9
                 "300.0.0.0/8,BadAddress,\n"        // 10
                 "1.0.2.0,NoPrefix,\n"              // 11
                 ",Missing,\n"                      // 12
                 "1.0.3.0/24,Too,Many,\n"           // 13
                 "1.0.3.0/24\n"                     // 14
                 "::ffff:1.0.4.0/120,Mapped,\n"     // 15
                 "::/0,Everything,\n"               // 16
                 "1.0.6.0/24,\"Bad\"quote,\n"       // 17
                 "1.0.7.0/24,BadType,70000\n"       // 18
                 "1.0.8.0/24,Slash,/24\n"           // 19: a bad cell in a field column
                 "1.0.5.0/24,Good2,\n"              // 20
                 "2001:db8::/32,Good3,\n");         // 21
  const std::pair<std::size_t, const char*> expected[] = {
      {3, "network overlaps the network of line 2"},
      {4, "network overlaps the network of line 2"},
      {5, "network overlaps the network of line 2"},
      {6, "network '1.0.1.0/33': prefix must be 0..32"},
      {7, "network '2001:db8::/129': prefix must be 0..128"},
      {8, "network '1.0.1.1/24' has host bits set"},
      {9, "network '2001:db8::1/64' has host bits set"},
      {10, "'300.0.0.0' is not an IP address"},
      {11, "network '1.0.2.0' has no /prefix"},
      {12, "missing network"},
      {13, "has 4 fields, the header has 3"},
      {14, "has 1 fields, the header has 3"},
      {15, "'::ffff:1.0.4.0' is IPv4-mapped; write IPv4 networks as IPv4"},
      {16, "network '::/0' covers every address; give narrower networks"},
      {17, "malformed CSV (text_after_quote)"},
      {18, "column 'accuracy:uint16': '70000' is not a valid uint16"},
      {19, "column 'accuracy:uint16': '/24' is not a valid uint16"},
  };
  for (auto [line, reason] : expected) {
    INFO("line " << line);
    CHECK(reject_of(b, line) == reason);
  }
  CHECK(b.report.rejected.size() == std::size(expected));
  CHECK(b.report.rows == 20);
  CHECK(b.report.networks == 3);
  Db db(b.db);
  CHECK(db.value("1.0.0.200", "city") == "str:Good1");
  CHECK(db.value("1.0.0.200", "accuracy") == "u16:10");
  CHECK(db.value("1.0.5.5", "city") == "str:Good2");
  CHECK(db.value("2001:db8::5", "city") == "str:Good3");
  CHECK(db.value("1.0.1.1", "city") == "");
}

TEST_CASE("every bad range row is rejected, and an overlapping range inserts none of its blocks") {
  auto b = build("range_rejects",
                 "start_ip,end_ip,city\n"
                 "1.0.0.0,1.0.0.255,A\n"                                // 2
                 "1.0.0.128,1.0.1.255,Partial\n"                        // 3
                 "1.0.0.9,1.0.0.1,Backwards\n"                          // 4
                 "1.0.0.0,2001:db8::,Mixed\n"                           // 5
                 "2.0.0.0,,NoEnd\n"                                     // 6
                 ",2.0.0.0,NoStart\n"                                   // 7
                 "::,ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff,All\n"     // 8
                 "2.0.0.0,2.0.0.x,BadEnd\n"                             // 9
                 "2.0.0.0,2.0.0.255,Ok\n");                             // 10
  const std::pair<std::size_t, const char*> expected[] = {
      {3, "network overlaps the network of line 2"},
      {4, "range start 1.0.0.9 is after its end 1.0.0.1"},
      {5, "range 1.0.0.0 - 2001:db8:: mixes IPv4 and IPv6"},
      {6, "missing end_ip"},
      {7, "missing start_ip"},
      {8, "range covers every address; give narrower ranges"},
      {9, "'2.0.0.x' is not an IP address"},
  };
  for (auto [line, reason] : expected) {
    INFO("line " << line);
    CHECK(reject_of(b, line) == reason);
  }
  CHECK(b.report.rejected.size() == std::size(expected));
  Db db(b.db);
  CHECK(db.value("1.0.0.200", "city") == "str:A");
  CHECK(db.value("1.0.1.5", "city") == "");  // Partial's second block was not inserted either
  CHECK(db.value("2.0.0.7", "city") == "str:Ok");
}

TEST_CASE("header problems are errors naming the file and line 1") {
  struct Row {
    std::string csv, message;
    bool geoip2 = false;
  };
  const Row rows[] = {
      {"city\nX\n", "needs a 'network' column or 'start_ip' and 'end_ip' columns"},
      {"start_ip,city\n", "needs a 'network' column or 'start_ip' and 'end_ip' columns"},
      {"network,start_ip,end_ip\n", "give either a 'network' column or 'start_ip' and 'end_ip', not both"},
      {"network,network\n", "column 'network' appears twice"},
      {"network,city,city\n", "columns 'city' and 'city' conflict"},
      {"network,a,a.b\n", "columns 'a' and 'a.b' conflict"},
      {"network,a.0,a.x\n", "columns 'a.0' and 'a.x' conflict"},
      {"network,timezone,time_zone\n", "columns 'timezone' and 'time_zone' conflict", true},
      {"network,n:int8\n", "column 'n:int8': unknown type 'int8'"},
      {"network,,x\n", "column 2 has no name"},
      {"network,a..b\n", "column 'a..b': empty part in its dotted path"},
      {"network,0.x\n", "column '0.x': array index '0' is first or above 255"},
      {"network,a.256\n", "column 'a.256': array index '256' is first or above 255"},
      {"network,\"a\"b\n", "malformed header row (text_after_quote)"},
  };
  for (const Row& row : rows) {
    INFO(row.csv);
    MmdbBuildOptions opt;
    opt.geoip2_city_layout = row.geoip2;
    CHECK_THROWS_WITH(build("header", row.csv, opt), Contains("in.csv:1: " + row.message));
  }
  CHECK_THROWS_WITH(build("header", ""), Contains("in.csv: empty, expected a header row"));
  CHECK_THROWS_AS(build_mmdb("/nonexistent/in.csv", "/tmp/x.mmdb"), Error);
  auto b = build("header_ok", "network,city\n");
  CHECK_THROWS_WITH(build_mmdb(b.csv.string(), (b.dir / "no/such/dir/out.mmdb").string()), Contains("cannot write"));
}

// ----------------------------------------------------------------- records

TEST_CASE("identical records are stored once, whatever the column order") {
  auto b = build("dedupe",
                 "network,city,latitude\n1.0.0.0/24,A,1\n2.0.0.0/24,A,1\n3.0.0.0/24,B,1\n2001:db8::/32,A,1\n");
  CHECK(b.report.networks == 4);
  CHECK(b.report.distinct_records == 2);
  Db db(b.db);
  const auto a = db.lookup("1.0.0.1").entry.offset;
  CHECK(db.lookup("2.0.0.1").entry.offset == a);
  CHECK(db.lookup("2001:db8::1").entry.offset == a);
  CHECK(db.lookup("3.0.0.1").entry.offset != a);
  auto swapped = build("dedupe_swapped",
                       "latitude,network,city\n1,2001:db8::/32,A\n1,3.0.0.0/24,B\n1,2.0.0.0/24,A\n1,1.0.0.0/24,A\n");
  CHECK(test::read_file(swapped.db) == test::read_file(b.db));
}

TEST_CASE("a cell is a double when it is a plain number, else a string, and annotations type a column") {
  struct Row {
    std::string column, cell, value;  // value as libmaxminddb reads it back
  };
  const Row rows[] = {
      {"v", "1.5", "dbl:1.5"},
      {"v", "-7", "dbl:-7"},
      {"v", "1e3", "dbl:1000"},
      {"v", "0", "dbl:0"},
      {"v", "0.25", "dbl:0.25"},
      {"v", "123456789012345", "dbl:123456789012345"},
      {"v", "1234567890123456", "str:1234567890123456"},  // a double would not hold every digit
      {"v", "007", "str:007"},                            // leading zero: a code
      {"v", "-01", "str:-01"},
      {"v", "inf", "str:inf"},
      {"v", "nan", "str:nan"},
      {"v", "0x1F", "str:0x1F"},
      {"v", "+5", "str:+5"},
      {"v", " 5", "str: 5"},
      {"v", "5 km", "str:5 km"},
      {"v", "Île-de-France", "str:Île-de-France"},
      {"zip", "10001", "str:10001"},  // code columns keep numbers as text
      {"iso_code", "12", "str:12"},
      {"postcode", "75001", "str:75001"},
      {"postal", "75001", "str:75001"},
      {"zipper", "5", "dbl:5"},
      {"v:string", "42", "str:42"},
      {"v:double", "inf", "dbl:inf"},
      {"v:float", "0.1", "flt:0.1"},
      {"v:uint16", "65535", "u16:65535"},
      {"v:uint32", "4294967295", "u32:4294967295"},
      {"v:uint64", "18446744073709551615", "u64:18446744073709551615"},
      {"v:uint64", "0", "u64:0"},
      {"v:int32", "-5", "i32:-5"},
      {"v:int32", "-2147483648", "i32:-2147483648"},
      {"v:int32", "2147483647", "i32:2147483647"},
      {"v:boolean", "true", "bool:true"},
      {"v:boolean", "false", "bool:false"},
  };
  for (const Row& row : rows) {
    INFO(row.column << " = " << row.cell);
    auto b = build("cell", "network," + row.column + "\n1.0.0.0/24,\"" + row.cell + "\"\n");
    REQUIRE(b.report.rejected.empty());
    const std::string name = row.column.substr(0, row.column.find(':'));
    CHECK(Db(b.db).value("1.0.0.1", name) == row.value);
  }
}

TEST_CASE("a cell that is not a value of its column's annotated type rejects the row") {
  const std::pair<const char*, const char*> rows[] = {
      {"v:uint16", "65536"}, {"v:uint16", "-1"}, {"v:uint32", "1.5"},  {"v:int32", "2147483648"},
      {"v:boolean", "yes"},  {"v:double", "x"},  {"v:float", "1e39"}, {"v:uint64", "18446744073709551616"},
  };
  for (auto [column, cell] : rows) {
    INFO(column << " = " << cell);
    auto b = build("bad_cell", std::string("network,") + column + "\n1.0.0.0/24," + cell + "\n");
    REQUIRE(b.report.rejected.size() == 1);
    CHECK_THAT(b.report.rejected[0], Contains(std::string("in.csv:2: column '") + column + "': '" + cell + "' is not a valid"));
  }
}

TEST_CASE("dotted column names nest maps and digits index arrays") {
  auto b = build("nested",
                 "network,location.latitude,location.longitude,subdivisions.0.iso_code,"
                 "subdivisions.1.iso_code,tags.0,tags.2\n"
                 "1.0.0.0/24,40.5,-73.25,NY,KN,a,c\n");
  REQUIRE(b.report.rejected.empty());
  Db db(b.db);
  const std::pair<const char*, const char*> rows[] = {
      {"location", "map:2"},          {"location.latitude", "dbl:40.5"},  {"location.longitude", "dbl:-73.25"},
      {"subdivisions", "array:2"},    {"subdivisions.0.iso_code", "str:NY"}, {"subdivisions.1.iso_code", "str:KN"},
      {"tags", "array:3"},            {"tags.0", "str:a"},                {"tags.1", "map:0"},
      {"tags.2", "str:c"},
  };
  for (auto [path, value] : rows) {
    INFO(path);
    CHECK(db.value("1.0.0.1", path) == value);
  }
}

TEST_CASE("the GeoIP2-City layout nests the flat columns where GeoIP2 readers look") {
  const std::string csv =
      "network,latitude,longitude,accuracy_radius,timezone,country_code,country,state1,state1_code,"
      "state2,state2_code,city,postcode,asn\n"
      "5.0.0.0/16,40.5,-73.25,20,America/New_York,US,United States,New York,NY,Kings,KN,Brooklyn,11201,7922\n";
  MmdbBuildOptions opt;
  opt.geoip2_city_layout = true;
  auto b = build("geoip2", csv, opt);
  REQUIRE(b.report.rejected.empty());
  Db db(b.db);
  const std::pair<const char*, const char*> rows[] = {
      {"location.latitude", "dbl:40.5"},
      {"location.longitude", "dbl:-73.25"},
      {"location.accuracy_radius", "u16:20"},
      {"location.time_zone", "str:America/New_York"},
      {"country.iso_code", "str:US"},
      {"country.names.en", "str:United States"},
      {"subdivisions.0.names.en", "str:New York"},
      {"subdivisions.0.iso_code", "str:NY"},
      {"subdivisions.1.names.en", "str:Kings"},
      {"subdivisions.1.iso_code", "str:KN"},
      {"city.names.en", "str:Brooklyn"},
      {"postal.code", "str:11201"},
      {"asn", "dbl:7922"},  // unknown columns are kept as named
      {"latitude", ""},
  };
  for (auto [path, value] : rows) {
    INFO(path);
    CHECK(db.value("5.0.1.1", path) == value);
  }
  auto flat = build("geoip2_off", csv);
  CHECK(Db(flat.db).value("5.0.1.1", "latitude") == "dbl:40.5");
  CHECK(Db(flat.db).value("5.0.1.1", "postcode") == "str:11201");
}

TEST_CASE("the record size is the smallest that fits") {
  CHECK(build("size24", "network,city\n1.0.0.0/24,A\n").report.record_size == 24);
  // 2,000 distinct 9 kB records on /32s: a data section past 2^24 bytes needs 28-bit records,
  // whose middle byte packs the high nibbles of both records of a node.
  std::string csv = "network,n,pad\n", pad(9000, 'p');
  for (int i = 0; i < 2000; ++i)
    csv += "10.0." + std::to_string(i / 256) + "." + std::to_string(i % 256) + "/32,r" + std::to_string(i) + "," + pad + "\n";
  auto big = build("size28", csv);
  REQUIRE(big.report.rejected.empty());
  CHECK(big.report.distinct_records == 2000);
  CHECK(big.report.record_size == 28);
  Db db(big.db);
  CHECK(db.meta().record_size == 28);
  for (int i : {0, 1, 775, 1998, 1999}) {
    const std::string ip = "10.0." + std::to_string(i / 256) + "." + std::to_string(i % 256);
    INFO(ip);
    CHECK(db.value(ip, "n") == "str:r" + std::to_string(i));
    CHECK(db.lookup(ip).netmask == 128);
  }
  CHECK(db.value("10.0.7.208", "n") == "");
}

TEST_CASE("a database without a valid row is still a valid, empty database") {
  auto b = build("empty", "network,city\n");
  CHECK(b.report.networks == 0);
  Db db(b.db);
  CHECK_FALSE(db.lookup("1.2.3.4").found_entry);
  CHECK_FALSE(db.lookup("2001:db8::1").found_entry);
  CHECK(dump(b.db) == "network\n");
}

// ----------------------------------------------------------------- determinism, dump, round trip

TEST_CASE("the same rows give the same bytes, whatever their order") {
  const std::string header = "network,city\n";
  const std::string rows[] = {"2001:db8::/32,Six\n", "1.0.0.0/24,One\n", "9.0.0.0/8,Nine\n", "1.0.1.0/24,One\n"};
  auto first = build("order1", header + rows[0] + rows[1] + rows[2] + rows[3]);
  auto second = build("order2", header + rows[3] + rows[2] + rows[0] + rows[1]);
  CHECK(test::read_file(first.db) == test::read_file(second.db));
}

TEST_CASE("build_epoch comes from the options, else SOURCE_DATE_EPOCH, else the input's mtime") {
  auto b = build("epoch", "network,city\n1.0.0.0/24,A\n");
  ::utimbuf times{1600000000, 1600000000};
  REQUIRE(::utime(b.csv.c_str(), &times) == 0);
  const std::string out = (b.dir / "e.mmdb").string();
  ::unsetenv("SOURCE_DATE_EPOCH");
  build_mmdb(b.csv.string(), out);
  CHECK(Db(out).meta().build_epoch == 1600000000);
  ::setenv("SOURCE_DATE_EPOCH", "1700000000", 1);
  build_mmdb(b.csv.string(), out);
  CHECK(Db(out).meta().build_epoch == 1700000000);
  MmdbBuildOptions opt;
  opt.build_epoch = 1800000000;
  build_mmdb(b.csv.string(), out, opt);
  CHECK(Db(out).meta().build_epoch == 1800000000);
  ::setenv("SOURCE_DATE_EPOCH", "yesterday", 1);
  CHECK_THROWS_WITH(build_mmdb(b.csv.string(), out), Contains("SOURCE_DATE_EPOCH='yesterday'"));
  ::unsetenv("SOURCE_DATE_EPOCH");
}

TEST_CASE("dump lists every network once, in address order, with RFC 4180 quoting") {
  auto b = build("dump",
                 "network,city,latitude,zip,note\n"
                 "9.0.0.0/8,,-7,,\n"
                 "2001:db8::/32,Six,,,\n"
                 "1.0.0.0/24,\"One, Two\",0.1,02134,\"say \"\"hi\"\"\nbye\"\n");
  CHECK(dump(b.db) ==
        "network,city,latitude,note,zip\n"
        "1.0.0.0/24,\"One, Two\",0.1,\"say \"\"hi\"\"\nbye\",02134\n"
        "9.0.0.0/8,,-7,,\n"
        "2001:db8::/32,Six,,,\n");
}

TEST_CASE("dump annotates the columns whose type inference would get wrong") {
  auto b = build("dump_types",
                 "network,a:string,b:uint16,c:double,d,e:boolean,f:float,zip:double\n"
                 "1.0.0.0/24,42,7,1.5,text,true,0.1,10001\n");
  CHECK(test::lines_of(dump(b.db)).at(0) == "network,a:string,b:uint16,c,d,e:boolean,f:float,zip:double");
}

TEST_CASE("build, dump, build gives byte-identical databases") {
  const std::string csv =
      "network,city.names.en,location.latitude,location.accuracy_radius:uint16,postal.code,"
      "subdivisions.0.iso_code,subdivisions.1.iso_code,note,asn:uint32,big:uint64,delta:int32,"
      "flag:boolean,ratio:float,edge:double,id:string\n"
      "1.0.0.0/24,\"Zürich, CH\",47.3769,5,8001,ZH,,\"a \"\"quoted\"\"\nline\",3303,18446744073709551615,-3,"
      "true,0.1,inf,0042\n"
      "2001:db8::/32,Springfield,,,,,IL,,,,,false,,-inf,7\n"
      "9.0.0.0/8,,0.30000000000000004,,,,,,,,,,,1e-300,\n"
      "1.0.1.0/24,\"Zürich, CH\",47.3769,5,8001,ZH,,\"a \"\"quoted\"\"\nline\",3303,18446744073709551615,-3,"
      "true,0.1,inf,0042\n";
  auto first = build("roundtrip1", csv);
  REQUIRE(first.report.rejected.empty());
  CHECK(first.report.distinct_records == 3);
  const std::string dumped = dump(first.db);
  auto second = build("roundtrip2", dumped);
  REQUIRE(second.report.rejected.empty());
  CHECK(test::read_file(first.db) == test::read_file(second.db));
  CHECK(dump(second.db) == dumped);
}

TEST_CASE("MaxMind's own test databases survive dump, build, dump unchanged", "[maxmind]") {
  const fs::path data = test::mmdb_testdata();
  if (data.empty()) GEOTARGET_SKIP("../shared/mmdb-testdata is absent");
  for (const char* name : {"GeoIP2-City-Test", "GeoIP2-ISP-Test", "GeoLite2-ASN-Test", "MaxMind-DB-test-decoder",
                           "MaxMind-DB-test-mixed-32", "MaxMind-DB-test-ipv4-28", "MaxMind-DB-test-nested"}) {
    INFO(name);
    const std::string dumped = dump(data / "test-data" / (std::string(name) + ".mmdb"));
    auto rebuilt = build("maxmind", dumped);
    CHECK(rebuilt.report.rejected.empty());
    CHECK(dump(rebuilt.db) == dumped);
  }
  // Answers from GeoIP2-City-Test.json, through the rebuilt database.
  auto city = build("maxmind_city", dump(data / "test-data/GeoIP2-City-Test.mmdb"));
  Db db(city.db);
  CHECK(db.value("81.2.69.160", "city.names.en") == "str:London");
  CHECK(db.value("81.2.69.160", "city.geoname_id") == "u32:2643743");
  CHECK(db.value("2001:218::1", "country.iso_code") == "str:JP");
}

TEST_CASE("dumping a missing, foreign or corrupt database throws an Error naming the file") {
  fs::path dir = test::fresh_dir("mmdb_corrupt");
  const std::string absent = (dir / "absent.mmdb").string();
  CHECK_THROWS_WITH(dump(absent), Contains(absent));
  const fs::path junk = test::write_file(dir / "junk.mmdb", std::string(4096, 'x'));
  CHECK_THROWS_WITH(dump(junk), Contains(junk.string()));

  auto b = build("corrupt_src", "network,city\n1.0.0.0/24,A\n");
  const std::string good = test::read_file(b.db);
  const std::size_t tree_bytes = std::size_t{b.report.node_count} * 6;
  std::string bad_node = good, bad_data = good;
  bad_node.replace(0, 3, "\xff\xff\xff");              // root's left record points past the file
  bad_data[tree_bytes + 16] = '\x5e';                  // first record: a string longer than the file
  for (const auto& [name, bytes] : {std::pair{"node", bad_node}, std::pair{"data", bad_data},
                                    std::pair{"half", good.substr(0, good.size() / 2)}}) {
    INFO(name);
    const fs::path path = test::write_file(dir / (std::string(name) + ".mmdb"), bytes);
    CHECK_THROWS_WITH(dump(path), Contains(path.string()));
  }
}

TEST_CASE("MaxMind's deliberately broken databases give an Error or a dump, never a crash", "[maxmind]") {
  const fs::path data = test::mmdb_testdata();
  if (data.empty()) GEOTARGET_SKIP("../shared/mmdb-testdata is absent");
  std::size_t errors = 0, files = 0;
  for (const auto& e : fs::recursive_directory_iterator(data / "bad-data")) {
    if (e.path().extension() != ".mmdb") continue;
    INFO(e.path());
    ++files;
    try {
      dump(e.path());
    } catch (const Error& err) {
      ++errors;
      CHECK_THAT(err.what(), Contains(e.path().string()));
    }
  }
  CHECK(files > 10);
  CHECK(errors > files / 2);
}

// ----------------------------------------------------------------- other readers, the CLI

TEST_CASE("mmdblookup, MaxMind's own tool, reads built databases") {
  if (!fs::exists("/usr/bin/mmdblookup")) GEOTARGET_SKIP("/usr/bin/mmdblookup is missing (Debian mmdb-bin)");
  auto b = build("mmdblookup", "network,city,n:uint16\n81.2.69.0/24,London,7\n2a02:8000::/24,Paris,8\n");
  const std::tuple<const char*, const char*, const char*> rows[] = {
      {"81.2.69.160", "city", "\"London\" <utf8_string>"},
      {"::ffff:81.2.69.160", "city", "\"London\" <utf8_string>"},
      {"81.2.69.160", "n", "7 <uint16>"},
      {"2a02:8010::1", "city", "\"Paris\" <utf8_string>"},
  };
  for (auto [ip, path, expected] : rows) {
    INFO(ip << " " << path);
    const fs::path out = b.dir / "out.txt";
    const std::string cmd = "/usr/bin/mmdblookup --file " + b.db.string() + " --ip " + ip + " " + path + " > " +
                            out.string() + " 2>&1";
    REQUIRE(std::system(cmd.c_str()) == 0);
    CHECK_THAT(test::read_file(out), Contains(expected));
  }
  const std::string verify = "/usr/bin/mmdblookup --file " + b.db.string() + " --ip 1.1.1.1 --verbose > " +
                             (b.dir / "verbose.txt").string() + " 2>&1";
  std::system(verify.c_str());
  CHECK_THAT(test::read_file(b.dir / "verbose.txt"), Contains("Binary format: 2.0"));
}

TEST_CASE("geotarget mmdb build and dump on the command line", "[cli]") {
  fs::path dir = test::fresh_dir("mmdb_cli");
  const std::string csv = test::write_file(dir / "in.csv", "network,city\n1.0.0.0/24,A\n2.0.0.0/24,A\n").string();
  const std::string db = (dir / "out.mmdb").string();

  auto ok = test::run_cli({"mmdb", "build", csv, "-o", db, "--type", "T", "--description", "D"});
  CHECK(ok.exit_code == 0);
  CHECK(ok.out.empty());
  CHECK_THAT(ok.err, Contains("2 rows, 2 networks, 1 distinct records, ") && Contains("24-bit records, 0 rejected"));
  CHECK(std::string(Db(db).meta().database_type) == "T");

  auto dumped = test::run_cli({"mmdb", "dump", db});
  CHECK(dumped.exit_code == 0);
  CHECK(dumped.out == "network,city\n1.0.0.0/24,A\n2.0.0.0/24,A\n");
  CHECK(test::run_cli({"mmdb", "dump", db, "-o", (dir / "d.csv").string()}).exit_code == 0);
  CHECK(test::read_file(dir / "d.csv") == dumped.out);

  const std::string bad = test::write_file(dir / "bad.csv", "network,city\n1.0.0.0/24,A\n1.0.0.0/25,B\n").string();
  auto rejected = test::run_cli({"mmdb", "build", bad, "-o", db});
  CHECK(rejected.exit_code == 1);
  CHECK_THAT(rejected.err, Contains(bad + ":3: network overlaps the network of line 2\n"));
  CHECK_THAT(rejected.err, Contains("1 rejected"));

  const std::string nonet = test::write_file(dir / "nonet.csv", "city\nA\n").string();
  auto fatal = test::run_cli({"mmdb", "build", nonet, "-o", db});
  CHECK(fatal.exit_code == 2);
  CHECK(test::lines_of(fatal.err).size() == 1);
  CHECK_THAT(fatal.err, Contains(nonet + ":1: "));
  CHECK(test::run_cli({"mmdb", "build", (dir / "absent.csv").string(), "-o", db}).exit_code == 2);
  CHECK(test::run_cli({"mmdb", "dump", csv}).exit_code == 2);  // not a database
  CHECK(test::run_cli({"mmdb"}).exit_code == 2);
}
