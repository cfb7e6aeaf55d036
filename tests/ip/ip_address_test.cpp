#include <catch2/catch.hpp>

#include "geotarget/ip_address.hpp"

using namespace geotarget;

TEST_CASE("addresses parse as IPv4, IPv6 and IPv4-mapped IPv6") {
  struct Row {
    const char* text;
    bool ok;
    bool v4;
    const char* canonical;
  };
  const Row rows[] = {
      {"81.2.69.160", true, true, "81.2.69.160"},
      {"::ffff:81.2.69.160", true, true, "81.2.69.160"},
      {"::FFFF:5102:45a0", true, true, "81.2.69.160"},
      {"2001:218::1", true, false, "2001:218::1"},
      {"2001:0db8:0000:0000:0000:0000:0000:0001", true, false, "2001:db8::1"},
      {"::81.2.69.160", true, false, "::81.2.69.160"},  // IPv4-compatible, not mapped
      {"0.0.0.0", true, true, "0.0.0.0"},
      {"1.2.3.256", false, false, ""},
      {"1.2.3", false, false, ""},
      {"01.2.3.4", false, false, ""},
      {" 1.2.3.4", false, false, ""},
      {"1.2.3.4 ", false, false, ""},
      {"[::1]", false, false, ""},
      {"fe80::1%eth0", false, false, ""},
      {"2001:db8::g", false, false, ""},
      {"", false, false, ""},
      {"1.2.3.4/24", false, false, ""},
  };
  for (const Row& row : rows) {
    INFO(row.text);
    IpAddress a;
    REQUIRE(parse_ip(row.text, a) == row.ok);
    if (!row.ok) continue;
    CHECK(a.is_v4() == row.v4);
    CHECK(a.to_string() == row.canonical);
  }
}

TEST_CASE("very long text is rejected without overflowing") {
  IpAddress a;
  CHECK_FALSE(parse_ip(std::string(1000, '1'), a));
  CHECK_FALSE(parse_ip(std::string_view("1.2.3.4\0junk", 12), a));
}

TEST_CASE("truncation keeps /24 of IPv4 and /48 of IPv6, nothing more") {
  struct Row {
    const char* ip;
    const char* truncated;
  };
  const Row rows[] = {
      {"81.2.69.160", "81.2.69.0/24"},
      {"::ffff:81.2.69.160", "81.2.69.0/24"},
      {"2001:218:abcd:1234:5678::1", "2001:218:abcd::/48"},
      {"2001:218::1", "2001:218::/48"},
      // 6to4 carries the whole IPv4 address in bits 16-47: only its /24 may remain.
      {"2002:808:808::1", "2002:808:800::/40"},
      {"2002:c000:0204:1::7", "2002:c000:200::/40"},
      // Teredo: the /48 keeps the Teredo server's address; the client (last 32 bits, inverted)
      // and its port are gone.
      {"2001:0:4136:e378:8000:63bf:3fff:fdd2", "2001:0:4136::/48"},
      // NAT64 and the deprecated IPv4-compatible form keep the IPv4 address in the low bits.
      {"64:ff9b::808:808", "64:ff9b::/48"},
      {"::8.8.8.8", "::/48"},
  };
  for (const Row& row : rows) {
    IpAddress a;
    REQUIRE(parse_ip(row.ip, a));
    CHECK(a.to_private_string() == row.truncated);
  }
}

TEST_CASE("special-purpose ranges are classified (RFC 6890)") {
  struct Row {
    const char* ip;
    AddressClass cls;
  };
  const Row rows[] = {
      {"8.8.8.8", AddressClass::global},         {"0.1.2.3", AddressClass::unspecified},
      {"10.255.0.1", AddressClass::private_use}, {"11.0.0.1", AddressClass::global},
      {"172.16.0.1", AddressClass::private_use}, {"172.31.255.255", AddressClass::private_use},
      {"172.32.0.1", AddressClass::global},      {"100.64.0.0", AddressClass::shared},
      {"100.127.255.255", AddressClass::shared}, {"100.128.0.0", AddressClass::global},
      {"127.0.0.1", AddressClass::loopback},     {"169.254.0.1", AddressClass::link_local},
      {"192.0.2.7", AddressClass::documentation}, {"198.51.100.1", AddressClass::documentation},
      {"203.0.113.9", AddressClass::documentation}, {"198.19.0.1", AddressClass::benchmarking},
      {"224.0.0.251", AddressClass::multicast},  {"255.255.255.255", AddressClass::reserved},
      {"::", AddressClass::unspecified},         {"::1", AddressClass::loopback},
      {"fd00::1", AddressClass::private_use},    {"fc00::1", AddressClass::private_use},
      {"fe80::1", AddressClass::link_local},     {"febf::1", AddressClass::link_local},
      {"fec0::1", AddressClass::global},         {"ff02::1", AddressClass::multicast},
      {"2001:db8:1::1", AddressClass::documentation}, {"2001:4860::1", AddressClass::global},
  };
  for (const Row& row : rows) {
    INFO(row.ip);
    IpAddress a;
    REQUIRE(parse_ip(row.ip, a));
    CHECK(describe(a.classify()) == describe(row.cls));
  }
}
