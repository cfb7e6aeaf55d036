// FNV-1a, 64 bits, against the published test vectors (Fowler, Noll, Vo: "FNV hash" test suite,
// the IETF draft draft-eastlake-fnv): the values persisted in compiled index names and lease
// keys depend on them.
#include <catch2/catch.hpp>

#include "fnv1a.hpp"

using geotarget::detail::Fnv1a;
using geotarget::detail::fnv1a;

TEST_CASE("FNV-1a 64 gives the published values") {
  CHECK(fnv1a("") == 0xcbf29ce484222325ull);  // the offset basis
  CHECK(fnv1a("a") == 0xaf63dc4c8601ec8cull);
  CHECK(fnv1a("foobar") == 0x85944171f73967e8ull);
  static_assert(fnv1a("a") == 0xaf63dc4c8601ec8cull);
}

TEST_CASE("FNV-1a over several parts is the hash of their bytes in order") {
  CHECK(Fnv1a().add("foo").add("bar").value() == fnv1a("foobar"));
  CHECK(Fnv1a().add("z").add_byte(0xff).value() == fnv1a("z\xff"));
  CHECK(Fnv1a().add("ab").value() != Fnv1a().add("a").add_byte(0xff).add("b").value());
}
