// Internal: the WGS84 ellipsoid for PROJ's geodesic routines (geod_inverse, geod_direct), shared
// by the point levels and the report's maps.
#pragma once

#include <geodesic.h>

namespace geotarget::detail {

/// Initialised on first use; read-only after, safe on any thread.
[[nodiscard]] const geod_geodesic& wgs84_geodesic();

}  // namespace geotarget::detail
