// The MMDB writer, checked by reading its output back through libmaxminddb itself.
#include <catch2/catch.hpp>
#include <maxminddb.h>

#include <filesystem>
#include <sstream>

#include "geotarget/error.hpp"
#include "geotarget/mmdb_writer.hpp"
#include "test_support.hpp"

using namespace geotarget;
namespace fs = std::filesystem;

namespace {

struct Built {
  fs::path dir, db;
  MmdbBuildReport report;
};

Built build(const std::string& name, const std::string& csv, MmdbBuildOptions opt = {}) {
  Built b;
  b.dir = test::fresh_dir("mmdb_" + name);
  test::write_file(b.dir / "in.csv", csv);
  b.db = b.dir / "out.mmdb";
  opt.build_epoch = 1767225600;
  b.report = build_mmdb((b.dir / "in.csv").string(), b.db.string(), opt);
  return b;
}

// Looks an address up with plain libmaxminddb: the value at `path` as text, "" if none.
class Reader {
 public:
  explicit Reader(const fs::path& db) { REQUIRE(MMDB_open(db.c_str(), MMDB_MODE_MMAP, &db_) == MMDB_SUCCESS); }
  ~Reader() { MMDB_close(&db_); }
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;

  std::string get(const std::string& ip, std::vector<const char*> path, int* prefix = nullptr) {
    int gai = 0, err = 0;
    MMDB_lookup_result_s r = MMDB_lookup_string(&db_, ip.c_str(), &gai, &err);
    REQUIRE(gai == 0);
    REQUIRE(err == MMDB_SUCCESS);
    if (prefix) *prefix = r.netmask;
    if (!r.found_entry) return "";
    path.push_back(nullptr);
    MMDB_entry_data_s d;
    if (MMDB_aget_value(&r.entry, &d, path.data()) != MMDB_SUCCESS || !d.has_data) return "";
    std::ostringstream s;
    if (d.type == MMDB_DATA_TYPE_UTF8_STRING) s << std::string(d.utf8_string, d.data_size);
    if (d.type == MMDB_DATA_TYPE_DOUBLE) s << d.double_value;
    if (d.type == MMDB_DATA_TYPE_UINT16) s << "u16:" << d.uint16;
    return s.str();
  }
  MMDB_s& db() { return db_; }

 private:
  MMDB_s db_{};
};

}  // namespace

TEST_CASE("IPv4 and IPv6 networks are read back by libmaxminddb, through every IPv4 alias") {
  auto b = build("basic", "network,city,latitude,code\n1.2.3.0/24,Alpha,10.5,007\n2001:db8:1::/48,Beta,-3.25,42\n");
  REQUIRE(b.report.rejected.empty());
  CHECK(b.report.networks == 2);
  Reader r(b.db);
  int prefix = 0;
  for (const char* ip : {"1.2.3.4", "::1.2.3.4", "::ffff:1.2.3.4", "2002:102:304::1"}) {
    INFO(ip);
    CHECK(r.get(ip, {"city"}) == "Alpha");
  }
  CHECK(r.get("1.2.3.4", {"latitude"}, &prefix) == "10.5");
  CHECK(prefix == 96 + 24);  // libmaxminddb reports IPv4 prefixes in the IPv6 tree
  CHECK(r.get("1.2.3.4", {"code"}) == "007");  // codes stay text
  CHECK(r.get("2001:db8:1:ffff::9", {"city"}, &prefix) == "Beta");
  CHECK(prefix == 48);
  CHECK(r.get("1.2.4.0", {"city"}) == "");
  CHECK(std::string(r.db().metadata.database_type) == "geotarget-City");
  CHECK(r.db().metadata.ip_version == 6);
  CHECK(r.db().metadata.build_epoch == 1767225600);
}

TEST_CASE("ranges are split into the fewest CIDR networks") {
  struct Row {
    std::string range;
    std::size_t networks;
  };
  const Row rows[] = {
      {"1.0.0.0,1.0.0.255", 1}, {"1.0.0.1,1.0.0.6", 4},     {"1.0.0.0,1.0.1.255", 1},
      {"1.0.0.0,1.0.2.0", 2},   {"0.0.0.0,255.255.255.255", 1}, {"2001:db8::,2001:db8::ffff", 1},
      {"9.9.9.9,9.9.9.9", 1},
  };
  for (const Row& row : rows) {
    INFO(row.range);
    auto b = build("range", "start_ip,end_ip,city\n" + row.range + ",X\n");
    REQUIRE(b.report.rejected.empty());
    CHECK(b.report.networks == row.networks);
  }
  auto b = build("range6", "start_ip,end_ip,city\n1.0.0.1,1.0.0.6,X\n");
  Reader r(b.db);
  int prefix = 0;
  CHECK(r.get("1.0.0.1", {"city"}, &prefix) == "X");
  CHECK(prefix == 128);
  CHECK(r.get("1.0.0.2", {"city"}, &prefix) == "X");
  CHECK(prefix == 127);
  CHECK(r.get("1.0.0.6", {"city"}, &prefix) == "X");
  CHECK(r.get("1.0.0.0", {"city"}) == "");
  CHECK(r.get("1.0.0.7", {"city"}) == "");
}

TEST_CASE("every malformed or overlapping row is rejected with its line; the rest is written") {
  auto b = build("rejects",
                 "network,city\n"
                 "1.0.0.0/24,Good1\n"          // 2
                 "1.0.0.128/25,Inside\n"       // 3 overlaps line 2
                 "1.0.0.0/16,Around\n"         // 4 contains line 2
                 "1.0.1.0/33,BadPrefix\n"      // 5
                 "1.0.1.1/24,HostBits\n"       // 6
                 "300.0.0.0/8,BadAddr\n"       // 7
                 "1.0.2.0,NoPrefix\n"          // 8
                 "1.0.3.0/24,Too,Many\n"       // 9
                 "::ffff:1.0.4.0/120,Mapped\n" // 10
                 "::/0,Everything\n"           // 11
                 "1.0.5.0/24,Good2\n");        // 12
  const auto& rej = b.report.rejected;
  REQUIRE(rej.size() == 9);
  const char* expected[] = {":3: network overlaps", ":4: network overlaps", ":5: ", ":6: ", ":7: ",
                            ":8: ", ":9: has 3 fields", ":10: ", ":11: "};
  for (std::size_t i = 0; i < 9; ++i) CHECK_THAT(rej[i], Catch::Contains(expected[i]));
  CHECK_THAT(rej[2], Catch::Contains("prefix"));
  CHECK_THAT(rej[3], Catch::Contains("host bits"));
  CHECK_THAT(rej[4], Catch::Contains("not an IP address"));
  Reader r(b.db);
  CHECK(r.get("1.0.0.200", {"city"}) == "Good1");
  CHECK(r.get("1.0.5.5", {"city"}) == "Good2");
  CHECK(b.report.rows == 11);
}

TEST_CASE("range rows with bad ends are rejected") {
  auto b = build("badrange", "start_ip,end_ip,city\n1.0.0.9,1.0.0.1,Backwards\n1.0.0.0,2001:db8::,Mixed\n2.0.0.0,2.0.0.255,Ok\n");
  REQUIRE(b.report.rejected.size() == 2);
  CHECK_THAT(b.report.rejected[0], Catch::Contains(":2: range start"));
  CHECK_THAT(b.report.rejected[1], Catch::Contains(":3: range mixes"));
  CHECK(b.report.networks == 1);
}

TEST_CASE("identical records are stored once") {
  auto b = build("dedupe", "network,city,latitude\n1.0.0.0/24,A,1\n2.0.0.0/24,A,1\n3.0.0.0/24,B,1\n");
  CHECK(b.report.distinct_records == 2);
  Reader r(b.db);
  int gai, err;
  auto one = MMDB_lookup_string(&r.db(), "1.0.0.1", &gai, &err);
  auto two = MMDB_lookup_string(&r.db(), "2.0.0.1", &gai, &err);
  CHECK(one.entry.offset == two.entry.offset);
}

TEST_CASE("the record size is the smallest that fits") {
  CHECK(build("small", "network,city\n1.0.0.0/24,A\n").report.record_size == 24);
  // 2,000 distinct records of 9 kB: a data section beyond 2^24 bytes needs 28-bit records.
  std::string csv = "network,n,pad\n", pad(9000, 'p');
  for (int i = 0; i < 2000; ++i)
    csv += "10.0." + std::to_string(i / 256) + "." + std::to_string(i % 256) + "/32,r" + std::to_string(i) + "," + pad + "\n";
  auto big = build("big", csv);
  REQUIRE(big.report.rejected.empty());
  CHECK(big.report.distinct_records == 2000);
  CHECK(big.report.record_size == 28);
  Reader r(big.db);
  CHECK(r.db().metadata.record_size == 28);
  CHECK(r.get("10.0.3.7", {"n"}) == "r775");
  CHECK(r.get("10.0.7.207", {"n"}) == "r1999");
}

TEST_CASE("the GeoIP2-City layout nests the flat columns") {
  MmdbBuildOptions opt;
  opt.geoip2_city_layout = true;
  auto b = build("geoip2", "network,latitude,accuracy_radius,country_code,state1_code,city,postcode,timezone\n"
                           "5.0.0.0/16,40.5,20,US,NY,New York,10001,America/New_York\n", opt);
  Reader r(b.db);
  CHECK(r.get("5.0.1.1", {"location", "latitude"}) == "40.5");
  CHECK(r.get("5.0.1.1", {"location", "accuracy_radius"}) == "u16:20");
  CHECK(r.get("5.0.1.1", {"country", "iso_code"}) == "US");
  CHECK(r.get("5.0.1.1", {"subdivisions", "0", "iso_code"}) == "NY");
  CHECK(r.get("5.0.1.1", {"city", "names", "en"}) == "New York");
  CHECK(r.get("5.0.1.1", {"postal", "code"}) == "10001");
  CHECK(r.get("5.0.1.1", {"location", "time_zone"}) == "America/New_York");
}

TEST_CASE("build then dump then build gives the same bytes, whatever the row order") {
  const std::string rows[] = {"2001:db8::/32,Six,,,\n", "1.0.0.0/24,One,1.5,02134,\"a,\"\"b\"\n",
                              "9.0.0.0/8,,-7,,\n"};
  std::string header = "network,city,latitude,zip,note\n";
  auto first = build("rt1", header + rows[0] + rows[1] + rows[2]);
  auto second = build("rt2", header + rows[2] + rows[0] + rows[1]);
  CHECK(first.report.rejected.empty());
  CHECK(test::read_file(first.db) == test::read_file(second.db));
  std::ostringstream dumped;
  dump_mmdb(first.db.string(), dumped);
  CHECK_THAT(dumped.str(), Catch::StartsWith("network,city,latitude,note,zip:string\n1.0.0.0/24,One,1.5,"));
  auto third = build("rt3", dumped.str());
  CHECK(third.report.rejected.empty());
  CHECK(test::read_file(first.db) == test::read_file(third.db));
}

TEST_CASE("mmdblookup, MaxMind's own tool, reads a built database") {
  if (!fs::exists("/usr/bin/mmdblookup")) GEOTARGET_SKIP("mmdblookup is not installed (Debian mmdb-bin)");
  auto b = build("mmdblookup", "network,city\n81.2.69.0/24,London\n");
  std::string cmd = "/usr/bin/mmdblookup --file " + b.db.string() + " --ip 81.2.69.160 city > " +
                    (b.dir / "out.txt").string() + " 2>&1";
  REQUIRE(std::system(cmd.c_str()) == 0);
  CHECK_THAT(test::read_file(b.dir / "out.txt"), Catch::Contains("\"London\""));
}

TEST_CASE("inputs without network columns and unreadable databases are errors") {
  CHECK_THROWS_WITH(build("nonet", "city\nX\n"), Catch::Contains(":1: needs a 'network' column"));
  fs::path dir = test::fresh_dir("mmdb_dump_bad");
  std::ostringstream out;
  CHECK_THROWS_AS(dump_mmdb((dir / "absent.mmdb").string(), out), Error);
}
