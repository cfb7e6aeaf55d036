#include "geos_reference.hpp"

#include <geos_c.h>

#include <algorithm>

#include "geotarget/error.hpp"

namespace geotarget::detail {

struct GeosReference::Impl {
  GEOSContextHandle_t ctx = GEOS_init_r();
  std::vector<GEOSGeometry*> geometries;               // by polygon number
  std::vector<const GEOSPreparedGeometry*> prepared;   // by polygon number
  std::vector<std::uint32_t> places;                   // polygon number -> place index
  GEOSSTRtree* tree = nullptr;

  ~Impl() {
    if (tree) GEOSSTRtree_destroy_r(ctx, tree);
    for (auto* p : prepared) GEOSPreparedGeom_destroy_r(ctx, p);
    for (auto* g : geometries) GEOSGeom_destroy_r(ctx, g);
    GEOS_finish_r(ctx);
  }

  GEOSGeometry* ring(const Ring& r) const {
    GEOSCoordSequence* seq = GEOSCoordSeq_create_r(ctx, static_cast<unsigned>(r.size()), 2);
    for (unsigned i = 0; i < r.size(); ++i) GEOSCoordSeq_setXY_r(ctx, seq, i, r[i][0], r[i][1]);
    return GEOSGeom_createLinearRing_r(ctx, seq);
  }

  GEOSGeometry* multipolygon(const std::vector<Polygon>& parts) const {
    std::vector<GEOSGeometry*> polys;
    for (const Polygon& part : parts) {
      std::vector<GEOSGeometry*> holes;
      for (std::size_t i = 1; i < part.size(); ++i) holes.push_back(ring(part[i]));
      polys.push_back(GEOSGeom_createPolygon_r(ctx, ring(part[0]), holes.data(),
                                               static_cast<unsigned>(holes.size())));
    }
    return GEOSGeom_createCollection_r(ctx, GEOS_MULTIPOLYGON, polys.data(),
                                       static_cast<unsigned>(polys.size()));
  }

  // Calls f(polygon, point) for every polygon whose envelope contains the point.
  template <class F>
  void candidates(double lon, double lat, F&& f) const {
    GEOSGeometry* pt = GEOSGeom_createPointFromXY_r(ctx, lon, lat);
    struct Visit {
      F& f;
      const GEOSGeometry* pt;
    } visit{f, pt};
    GEOSSTRtree_query_r(
        ctx, tree, pt,
        [](void* item, void* data) {
          auto& v = *static_cast<Visit*>(data);
          v.f(static_cast<std::uint32_t>(reinterpret_cast<std::uintptr_t>(item)), v.pt);
        },
        &visit);
    GEOSGeom_destroy_r(ctx, pt);
  }
};

GeosReference::GeosReference(const PlaceIndex& index, PlaceLevel level) : impl_(std::make_unique<Impl>()) {
  Impl& m = *impl_;
  m.tree = GEOSSTRtree_create_r(m.ctx, 10);
  const auto& places = index.places();
  for (std::uint32_t i = 0; i < places.size(); ++i) {
    if (places[i].level != level || index.polygons(places[i]).empty()) continue;
    GEOSGeometry* g = m.multipolygon(index.polygons(places[i]));
    if (!g) throw Error("GEOS could not build the polygon of " + places[i].id);
    auto polygon = static_cast<std::uintptr_t>(m.geometries.size());
    m.geometries.push_back(g);
    m.prepared.push_back(GEOSPrepare_r(m.ctx, g));
    m.places.push_back(i);
    GEOSSTRtree_insert_r(m.ctx, m.tree, g, reinterpret_cast<void*>(polygon));
  }
}

GeosReference::~GeosReference() = default;

std::uint32_t GeosReference::first_containing(double lon, double lat) const {
  std::uint32_t found = none;
  impl_->candidates(lon, lat, [&](std::uint32_t polygon, const GEOSGeometry* pt) {
    if (found == none && GEOSPreparedContains_r(impl_->ctx, impl_->prepared[polygon], pt) == 1)
      found = impl_->places[polygon];
  });
  return found;
}

void GeosReference::containing(double lon, double lat, std::vector<std::uint32_t>& contains,
                               std::vector<std::uint32_t>& covers) const {
  contains.clear();
  covers.clear();
  impl_->candidates(lon, lat, [&](std::uint32_t polygon, const GEOSGeometry* pt) {
    if (GEOSPreparedCovers_r(impl_->ctx, impl_->prepared[polygon], pt) != 1) return;
    covers.push_back(impl_->places[polygon]);
    if (GEOSPreparedContains_r(impl_->ctx, impl_->prepared[polygon], pt) == 1)
      contains.push_back(impl_->places[polygon]);
  });
  std::sort(contains.begin(), contains.end());
  std::sort(covers.begin(), covers.end());
}

bool GeosReference::covers(std::uint32_t place, double lon, double lat) const {
  auto it = std::find(impl_->places.begin(), impl_->places.end(), place);
  if (it == impl_->places.end()) return false;
  GEOSGeometry* pt = GEOSGeom_createPointFromXY_r(impl_->ctx, lon, lat);
  bool result = GEOSPreparedCovers_r(impl_->ctx, impl_->prepared[static_cast<std::size_t>(it - impl_->places.begin())], pt) == 1;
  GEOSGeom_destroy_r(impl_->ctx, pt);
  return result;
}

}  // namespace geotarget::detail
