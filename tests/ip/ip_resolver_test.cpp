#include <catch2/catch.hpp>
#include <maxminddb.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "geotarget/error.hpp"
#include "geotarget/ip_resolver.hpp"
#include "geotarget/mmdb_writer.hpp"
#include "test_support.hpp"

using namespace geotarget;
namespace fs = std::filesystem;

namespace {

// A database built by the project's own writer from CSV text, flat (ip-location-db) schema.
std::string build_db(const std::string& name, const std::string& csv, MmdbBuildOptions opt = {}) {
  fs::path dir = test::fresh_dir("ip_resolver_" + name);
  test::write_file(dir / "in.csv", csv);
  MmdbBuildReport rep = build_mmdb((dir / "in.csv").string(), (dir / "out.mmdb").string(), opt);
  REQUIRE(rep.rejected.empty());
  return (dir / "out.mmdb").string();
}

const char* kFlatCsv =
    "network,latitude,longitude,country_code,state1,city,postcode,timezone\n"
    "81.2.69.0/24,51.5142,-0.0931,GB,England,London,,Europe/London\n"
    "1.2.0.0/16,35.6895,139.6917,JP,Tokyo,Tokyo,100-0001,Asia/Tokyo\n"
    "1.3.0.0/16,35.6895,139.6917,JP,Tokyo,Tokyo,100-0001,Asia/Tokyo\n"
    "2a02:8000::/24,48.8566,2.3522,FR,Ile-de-France,Paris,75001,Europe/Paris\n"
    "9.9.9.0/24,,,US,,,,\n";

// The database at `path` with its metadata's node_count replaced by `count` (written as a
// 4-byte uint32, so the metadata may grow by a few bytes; it is the last thing in the file).
std::string with_node_count(const std::string& path, std::uint32_t count, const std::string& name) {
  std::string bytes = test::read_file(path);
  const std::string key = "\x4anode_count";  // UTF-8 string of length 10
  const std::size_t at = bytes.rfind(key);
  REQUIRE(at != std::string::npos);
  const std::size_t value = at + key.size();
  const auto control = static_cast<unsigned char>(bytes[value]);
  REQUIRE((control >> 5) == 6);  // uint32
  const std::size_t old_size = control & 0x1f;
  std::string encoded = "\xc4";
  for (int shift = 24; shift >= 0; shift -= 8) encoded += static_cast<char>((count >> shift) & 0xff);
  bytes.replace(value, 1 + old_size, encoded);
  return test::write_file(fs::path(path).parent_path() / name, bytes).string();
}

}  // namespace

TEST_CASE("a node_count that does not fit the file is refused before the tree is walked") {
  const std::string good = build_db("node_count", kFlatCsv);
  REQUIRE_NOTHROW(IpResolver(good));
  // 715,827,883 x 24-bit records overflows libmaxminddb 1.7.1's own 32-bit size check; with the
  // root's left record pointing at node 16,000,000 (96 MB into a file of a few hundred bytes) a
  // walk reads far past the end of the mapping. 0xffffffff would make the resolver reserve 4 G
  // entries.
  for (const std::uint32_t count : {715'827'883u, 0xffffffffu}) {
    INFO(count);
    std::string crafted = with_node_count(good, count, "crafted-" + std::to_string(count) + ".mmdb");
    std::string bytes = test::read_file(crafted);
    bytes.replace(0, 3, "\xf4\x24\x00");  // node 0, left record (24-bit): 16,000,000
    test::write_file(crafted, bytes);
    try {
      IpResolver resolver(crafted);
      FAIL("a search tree larger than the file was accepted");
    } catch (const Error& e) {
      CHECK_THAT(e.what(), Catch::Contains(crafted) && Catch::Contains("search tree"));
    }
    std::ostringstream dump;
    CHECK_THROWS_WITH(dump_mmdb(crafted, dump), Catch::Contains(crafted) && Catch::Contains("search tree"));
  }
}

TEST_CASE("flat schema databases built by the project resolve IPv4, IPv6 and mapped forms") {
  IpResolver r(build_db("flat", kFlatCsv));
  CHECK(r.info().schema == IpSchema::flat);

  struct Row {
    const char* ip;
    double lat, lon;
    const char* country;
    const char* city;
    int prefix;
  };
  const Row rows[] = {
      {"81.2.69.160", 51.5142, -0.0931, "GB", "London", 24},
      {"::ffff:81.2.69.160", 51.5142, -0.0931, "GB", "London", 24},
      {"1.2.3.4", 35.6895, 139.6917, "JP", "Tokyo", 16},
      {"2a02:8010::1", 48.8566, 2.3522, "FR", "Paris", 24},
  };
  for (const Row& row : rows) {
    INFO(row.ip);
    IpLookup l = r.lookup(row.ip);
    REQUIRE(l.status == LookupStatus::found);
    CHECK(l.location->position.lat == row.lat);
    CHECK(l.location->position.lon == row.lon);
    CHECK(l.location->country == row.country);
    CHECK(l.location->city == row.city);
    CHECK(int(l.prefix_length) == row.prefix);
  }
  IpLookup london = r.lookup("81.2.69.1");
  CHECK(london.location->region == "England");
  CHECK(london.location->time_zone == "Europe/London");
  CHECK(london.location->postal.empty());
  CHECK(std::isnan(london.location->accuracy_km));
}

TEST_CASE("identical records are decoded once and shared by every network pointing at them") {
  IpResolver r(build_db("dedupe", kFlatCsv));
  CHECK(r.info().record_count == 4);  // London, Tokyo (two networks), Paris, country-only US
  CHECK(r.lookup("1.2.9.9").location == r.lookup("1.3.200.1").location);
  CHECK(r.lookup("1.2.9.9").location != r.lookup("81.2.69.1").location);
}

TEST_CASE("records without coordinates are found, with unknown coordinates") {
  IpResolver r(build_db("nocoords", kFlatCsv));
  IpLookup l = r.lookup("9.9.9.9");
  REQUIRE(l.status == LookupStatus::found);
  CHECK_FALSE(l.location->has_coordinates());
  CHECK(l.location->country == "US");
}

TEST_CASE("misses are reported with their reason, never as errors") {
  IpResolver r(build_db("misses", kFlatCsv));
  struct Row {
    const char* ip;
    LookupStatus status;
    AddressClass cls;
  };
  const Row rows[] = {
      {"8.8.8.8", LookupStatus::not_found, AddressClass::global},
      {"2001:4860::8888", LookupStatus::not_found, AddressClass::global},
      {"10.1.2.3", LookupStatus::special_range, AddressClass::private_use},
      {"192.168.0.1", LookupStatus::special_range, AddressClass::private_use},
      {"127.0.0.1", LookupStatus::special_range, AddressClass::loopback},
      {"::1", LookupStatus::special_range, AddressClass::loopback},
      {"169.254.1.1", LookupStatus::special_range, AddressClass::link_local},
      {"fe80::1", LookupStatus::special_range, AddressClass::link_local},
      {"100.64.0.1", LookupStatus::special_range, AddressClass::shared},
      {"224.0.0.1", LookupStatus::special_range, AddressClass::multicast},
      {"2001:db8::1", LookupStatus::special_range, AddressClass::documentation},
      {"not an ip", LookupStatus::invalid_ip, AddressClass::global},
      {"1.2.3.256", LookupStatus::invalid_ip, AddressClass::global},
      {"", LookupStatus::invalid_ip, AddressClass::global},
  };
  for (const Row& row : rows) {
    INFO(row.ip);
    IpLookup l = r.lookup(row.ip);
    CHECK(l.status == row.status);
    CHECK(l.address_class == row.cls);
    CHECK(l.location == nullptr);
  }
}

TEST_CASE("special ranges are looked up when the option says so") {
  IpResolverOptions opt;
  opt.special_ranges_miss = false;
  IpResolver r(build_db("special", "network,city\n10.0.0.0/8,Intranet\n"), opt);
  IpLookup l = r.lookup("10.20.30.40");
  REQUIRE(l.status == LookupStatus::found);
  CHECK(l.location->city == "Intranet");
}

TEST_CASE("an explicit field map reads custom record layouts") {
  IpResolverOptions opt;
  FieldMap f;
  f.lat = "geo.y";
  f.lon = "geo.x";
  f.city = "place";
  opt.fields = f;
  IpResolver r(build_db("fieldmap", "network,geo.y,geo.x,place\n5.5.0.0/16,10.5,-20.25,Here\n"), opt);
  CHECK(r.info().schema == IpSchema::custom);
  IpLookup l = r.lookup("5.5.5.5");
  REQUIRE(l.status == LookupStatus::found);
  CHECK(l.location->position.lat == 10.5);
  CHECK(l.location->position.lon == -20.25);
  CHECK(l.location->city == "Here");
}

TEST_CASE("the GeoIP2-City layout written by the project is detected as such") {
  MmdbBuildOptions opt;
  opt.geoip2_city_layout = true;
  IpResolver r(build_db("nested",
                        "network,latitude,longitude,accuracy_radius,country_code,state1_code,"
                        "city,postcode,timezone\n"
                        "2.2.0.0/16,40.7128,-74.006,5,US,NY,New York,10001,America/New_York\n",
                        opt));
  CHECK(r.info().schema == IpSchema::geoip2_city);
  IpLookup l = r.lookup("2.2.2.2");
  REQUIRE(l.status == LookupStatus::found);
  CHECK(l.location->position.lat == 40.7128);
  CHECK(l.location->accuracy_km == 5);
  CHECK(l.location->region == "NY");
  CHECK(l.location->postal == "10001");
  CHECK(l.location->time_zone == "America/New_York");
}

TEST_CASE("files that are not databases give one clear error naming the file") {
  fs::path dir = test::fresh_dir("ip_resolver_bad");
  std::string missing = (dir / "missing.mmdb").string();
  CHECK_THROWS_WITH(IpResolver(missing), Catch::Contains(missing));
  std::string junk = test::write_file(dir / "junk.mmdb", std::string(4096, 'x')).string();
  CHECK_THROWS_AS(IpResolver(junk), Error);
  std::string empty = test::write_file(dir / "empty.mmdb", "").string();
  CHECK_THROWS_AS(IpResolver(empty), Error);
}

TEST_CASE("concurrent readers see the same answers as a single reader") {
  IpResolver r(build_db("threads", kFlatCsv));
  const std::vector<std::string> ips = {"81.2.69.160", "1.2.3.4", "2a02:8010::1", "8.8.8.8",
                                        "10.0.0.1", "9.9.9.9"};
  std::vector<const Location*> expected;
  for (const auto& ip : ips) expected.push_back(r.lookup(ip).location);
  std::atomic<int> mismatches{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int round = 0; round < 20000; ++round) {
        std::size_t i = static_cast<std::size_t>(round) % ips.size();
        if (r.lookup(ips[i]).location != expected[i]) ++mismatches;
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(mismatches == 0);
}

// ------------------------------------------------------------------ MaxMind's own test data

TEST_CASE("GeoIP2-City-Test.mmdb answers as its JSON source says", "[maxmind]") {
  fs::path data = test::mmdb_testdata();
  if (data.empty()) GEOTARGET_SKIP("../shared/mmdb-testdata is absent");
  IpResolverOptions opt;
  opt.special_ranges_miss = false;  // the source uses documentation ranges too
  IpResolver r((data / "test-data/GeoIP2-City-Test.mmdb").string(), opt);
  CHECK(r.info().schema == IpSchema::geoip2_city);

  IpLookup london = r.lookup("81.2.69.160");
  REQUIRE(london.status == LookupStatus::found);
  CHECK(london.location->city == "London");
  CHECK(london.location->country == "GB");
  CHECK(london.location->position.lat == 51.5142);
  CHECK(london.location->position.lon == -0.0931);
  CHECK(london.location->time_zone == "Europe/London");
  CHECK(r.lookup("::ffff:81.2.69.160").location == london.location);
  IpLookup jp = r.lookup("2001:218::1");
  REQUIRE(jp.status == LookupStatus::found);
  CHECK(jp.location->country == "JP");

  // Every network of the JSON source, looked up at its first address.
  std::ifstream in(data / "source-data/GeoIP2-City-Test.json");
  nlohmann::json source = nlohmann::json::parse(in);
  int checked = 0;
  for (const auto& entry : source) {
    for (const auto& [network, record] : entry.items()) {
      std::string first = network.substr(0, network.find('/'));
      INFO(network);
      IpLookup l = r.lookup(first);
      REQUIRE(l.status == LookupStatus::found);
      if (record.contains("location") && record["location"].contains("latitude")) {
        CHECK(l.location->position.lat == record["location"]["latitude"].get<double>());
        CHECK(l.location->position.lon == record["location"]["longitude"].get<double>());
      }
      if (record.contains("country")) CHECK(l.location->country == record["country"]["iso_code"]);
      if (record.contains("city")) CHECK(l.location->city == record["city"]["names"]["en"]);
      if (record.contains("postal")) CHECK(l.location->postal == record["postal"]["code"]);
      ++checked;
    }
  }
  CHECK(checked > 200);
}

TEST_CASE("24-, 28- and 32-bit records, IPv4, IPv6 and mixed trees: the same networks as libmaxminddb",
          "[maxmind]") {
  fs::path data = test::mmdb_testdata();
  if (data.empty()) GEOTARGET_SKIP("../shared/mmdb-testdata is absent");
  std::vector<std::string> probes;
  for (int i = 0; i < 64; ++i) probes.push_back("1.1.1." + std::to_string(i));
  for (const char* ip : {"0.0.0.1", "2.2.2.2", "255.255.255.255", "::1:ffff:ffff", "::2:0:0", "::2:0:1", "::2:0:3f",
                         "::2:0:40", "::2:0:4f", "::2:0:50", "::2:0:57", "::2:0:58", "::2:0:59", "::2:0:60",
                         "2001:0:101:101::", "2001:0:101:102::", "::1.1.1.1", "ffff::1"})
    probes.emplace_back(ip);
  // Not probed: IPv4-mapped literals (::ffff:1.1.1.1), which ours reads as the IPv4 address
  // itself (ip_address.hpp) and libmaxminddb as an IPv6 address.
  int compared = 0, found = 0;
  for (const char* family : {"ipv4", "ipv6", "mixed"}) {
    for (int bits : {24, 28, 32}) {
      const std::string file =
          (data / "test-data" / ("MaxMind-DB-test-" + std::string(family) + "-" + std::to_string(bits) + ".mmdb"))
              .string();
      INFO(file);
      IpResolver ours(file);
      MMDB_s mmdb;
      REQUIRE(MMDB_open(file.c_str(), MMDB_MODE_MMAP, &mmdb) == MMDB_SUCCESS);
      CHECK(mmdb.metadata.record_size == bits);  // the file is what its name says
      for (const std::string& ip : probes) {
        INFO(ip);
        int gai = 0, err = 0;
        MMDB_lookup_result_s ref = MMDB_lookup_string(&mmdb, ip.c_str(), &gai, &err);
        IpLookup l = ours.lookup(ip);
        if (gai != 0 || err != MMDB_SUCCESS) {  // libmaxminddb cannot look it up: neither do we
          CHECK(l.status != LookupStatus::found);
          continue;
        }
        ++compared;
        CHECK((l.status == LookupStatus::found) == ref.found_entry);
        if (!ref.found_entry || l.status != LookupStatus::found) continue;
        ++found;
        // Ours gives IPv4 addresses an IPv4 prefix length; libmaxminddb counts in the IPv6 tree.
        const bool v4 = ip.find(':') == std::string::npos;
        const int ref_prefix = v4 && mmdb.metadata.ip_version == 6 ? ref.netmask - 96 : ref.netmask;
        CHECK(int{l.prefix_length} == ref_prefix);
      }
      MMDB_close(&mmdb);
    }
  }
  CHECK(compared > 500);
  CHECK(found > 200);
}

TEST_CASE("an IPv6 address against an IPv4-only database is a reported miss", "[maxmind]") {
  fs::path data = test::mmdb_testdata();
  if (data.empty()) GEOTARGET_SKIP("../shared/mmdb-testdata is absent");
  IpResolver r((data / "test-data/MaxMind-DB-test-ipv4-24.mmdb").string());
  CHECK(r.info().ip_version == 4);
  CHECK(r.lookup("2a02:8010::1").status == LookupStatus::ipv6_in_ipv4_db);
  CHECK(r.lookup("1.1.1.1").status == LookupStatus::found);
  CHECK(r.lookup("::ffff:1.1.1.1").status == LookupStatus::found);
}

TEST_CASE("every deliberately broken database gives a clean error or clean answers", "[maxmind]") {
  fs::path data = test::mmdb_testdata();
  if (data.empty()) GEOTARGET_SKIP("../shared/mmdb-testdata is absent");
  std::vector<fs::path> files;
  for (const auto& e : fs::recursive_directory_iterator(data / "bad-data"))
    if (e.is_regular_file() && e.path().extension() == ".mmdb") files.push_back(e.path());
  for (const char* name : {"GeoIP2-City-Test-Broken-Double-Format.mmdb",
                           "GeoIP2-City-Test-Invalid-Node-Count.mmdb",
                           "MaxMind-DB-test-broken-pointers-24.mmdb",
                           "MaxMind-DB-test-broken-search-tree-24.mmdb"})
    files.push_back(data / "test-data" / name);
  REQUIRE(files.size() > 10);
  const char* probes[] = {"1.1.1.1", "1.1.1.3", "81.2.69.160", "2001:218::1", "::1.1.1.1",
                          "255.255.255.254", "ffff::1"};
  for (const auto& file : files) {
    INFO(file.string());
    try {
      IpResolver r(file.string());
      for (const char* ip : probes) {
        IpLookup l = r.lookup(ip);
        CHECK((l.status == LookupStatus::found) == (l.location != nullptr));
      }
    } catch (const Error& e) {
      CHECK_THAT(e.what(), Catch::Contains(file.string()));
    }
  }
}

namespace {

const char* kSecondCsv =
    "network,latitude,longitude,country_code,state1,city,postcode,timezone\n"
    "81.2.69.128/25,52.2053,0.1218,GB,England,Cambridge,,Europe/London\n"
    "1.4.0.0/16,34.6937,135.5023,JP,Osaka,Osaka,,Asia/Tokyo\n"
    "2a02:8000::/24,45.7640,4.8357,FR,Auvergne-Rhone-Alpes,Lyon,,Europe/Paris\n"
    "2a03::/16,52.5200,13.4050,DE,Berlin,Berlin,,Europe/Berlin\n";

// The city a list of databases gives when each is asked on its own, in order: what the
// combined resolver must answer.
std::string first_answer(const std::vector<const IpResolver*>& each, std::string_view ip) {
  for (const IpResolver* r : each)
    if (IpLookup l = r->lookup(ip); l.status == LookupStatus::found) return std::string(l.location->city);
  return "-";
}

}  // namespace

TEST_CASE("several databases serve as one: the first that has the address answers") {
  const std::string first = build_db("multi_first", kFlatCsv), second = build_db("multi_second", kSecondCsv);
  const IpResolver a(first), b(second);
  const IpResolver ab(std::vector<std::string>{first, second}), ba(std::vector<std::string>{second, first});
  CHECK(ab.databases().size() == 2);
  CHECK(ab.info().record_count == a.info().record_count + b.info().record_count);
  CHECK(ab.info().path == first + " + " + second);

  CHECK(ab.lookup("81.2.69.200").location->city == "London");     // both have it: the first
  CHECK(ba.lookup("81.2.69.200").location->city == "Cambridge");
  CHECK(ba.lookup("81.2.69.5").location->city == "London");       // the first's gap, the second's /24
  CHECK(int(ba.lookup("81.2.69.5").prefix_length) == 24);
  CHECK(int(ba.lookup("81.2.69.200").prefix_length) == 25);
  CHECK(ab.lookup("1.4.1.1").location->city == "Osaka");          // only the second
  CHECK(ab.lookup("2a02:8010::1").location->city == "Paris");     // IPv6: the first again
  CHECK(ba.lookup("2a02:8010::1").location->city == "Lyon");
  CHECK(ab.lookup("2a03:1::1").location->city == "Berlin");
  CHECK(ab.lookup("8.8.8.8").status == LookupStatus::not_found);
  CHECK(ab.lookup("2a04::1").status == LookupStatus::not_found);
  // Record numbers run through both files: each number gives its own record back.
  const IpLookup osaka = ab.lookup("1.4.1.1");
  CHECK(osaka.record >= a.info().record_count);
  CHECK(ab.record(osaka.record) == osaka.location);

  // Every address around the networks' edges, against asking each database in turn.
  const char* probes[] = {"81.2.68.255", "81.2.69.0",   "81.2.69.127", "81.2.69.128", "81.2.69.255", "81.2.70.0",
                          "1.1.255.255", "1.2.0.0",     "1.3.255.255", "1.4.0.0",     "1.4.255.255", "1.5.0.0",
                          "9.9.9.9",     "2a02:7fff::1", "2a02:8000::", "2a02:80ff:ffff::1", "2a03::",  "::1.2.3.4"};
  for (const char* ip : probes) {
    INFO(ip);
    const IpLookup l = ab.lookup(ip), r = ba.lookup(ip);
    CHECK((l.status == LookupStatus::found ? std::string(l.location->city) : "-") == first_answer({&a, &b}, ip));
    CHECK((r.status == LookupStatus::found ? std::string(r.location->city) : "-") == first_answer({&b, &a}, ip));
  }
}

TEST_CASE("several databases: an unreadable one is an error naming it, an empty list an error") {
  const std::string good = build_db("multi_good", kFlatCsv);
  const fs::path dir = test::fresh_dir("ip_resolver_multi_bad");
  const std::string bad = test::write_file(dir / "bad.mmdb", "not a database").string();
  CHECK_THROWS_WITH(IpResolver(std::vector<std::string>{good, bad}), Catch::Contains(bad));
  CHECK_THROWS_WITH(IpResolver(std::vector<std::string>{}), Catch::Contains("no IP database"));
}

TEST_CASE("an IPv4-only database and one with IPv6: IPv6 addresses go to the second", "[maxmind]") {
  fs::path data = test::mmdb_testdata();
  if (data.empty()) GEOTARGET_SKIP("../shared/mmdb-testdata is absent");
  const std::string v4 = (data / "test-data/MaxMind-DB-test-ipv4-24.mmdb").string();
  const IpResolver r(std::vector<std::string>{v4, build_db("multi_v6", kSecondCsv)});
  CHECK(r.lookup("1.1.1.1").status == LookupStatus::found);           // in the IPv4 test database
  CHECK(r.lookup("2a03:1::1").location->city == "Berlin");             // not ipv6_in_ipv4_db
  CHECK(r.lookup("2a04::1").status == LookupStatus::not_found);
  CHECK(r.info().ip_version == 6);
}

// Precision from what the record says (the JSON source of MaxMind's test database): a city and
// a small radius -> city; a region only, or a city with a radius too large -> region; nothing
// finer than the country, or a radius of 1000 km -> country.
TEST_CASE("records are only as precise as their city, region and accuracy radius say", "[maxmind]") {
  fs::path data = test::mmdb_testdata();
  if (data.empty()) GEOTARGET_SKIP("../shared/mmdb-testdata is absent");
  IpResolverOptions opt;
  opt.special_ranges_miss = false;
  IpResolver r((data / "test-data/GeoIP2-City-Test.mmdb").string(), opt);
  auto precision = [&](const char* ip) {
    IpLookup l = r.lookup(ip);
    REQUIRE(l.status == LookupStatus::found);
    return l.location->precision;
  };
  CHECK(precision("81.2.69.142") == Precision::city);     // London, 10 km
  CHECK(precision("2.125.160.216") == Precision::city);   // Boxford, 100 km
  CHECK(precision("214.78.124.1") == Precision::region);  // US, CA, no city, 100 km
  CHECK(precision("149.101.100.1") == Precision::country);  // US, no city: 37.751,-97.822, 1000 km
  CHECK(precision("216.160.83.65") == Precision::country);  // US, WA, no city, 1000 km
  CHECK(precision("67.43.156.1") == Precision::country);    // BT, no region, 534 km
  CHECK(precision("2a02:cf80::1") == Precision::country);   // IL, coordinates but no city
  CHECK(describe(Precision::region) == "region");

  IpResolverOptions strict = opt;
  strict.city_max_accuracy_km = 5;     // London's 10 km is then too coarse for a city
  strict.region_max_accuracy_km = 50;  // and Changchun's 100 km for its region
  IpResolver s((data / "test-data/GeoIP2-City-Test.mmdb").string(), strict);
  CHECK(s.lookup("81.2.69.142").location->precision == Precision::region);
  CHECK(s.lookup("81.2.69.144").location->precision == Precision::city);  // London, 3 km
  CHECK(s.lookup("175.16.199.1").location->precision == Precision::country);
}
