// Internal: the exact point-in-polygon cell table of one polygon level.
//
// A two-level grid over the level's bounding box. A coarse cell that no polygon edge touches
// stores its owner directly; the others are split into fine cells, and a fine cell that no edge
// touches stores its owner too. A fine cell that edges touch stores those edges. A query in such
// a cell casts a ray east, row by row through the touched cells, to the first untouched cell,
// whose owner is known, and flips the parity of each polygon whose edge the ray crosses.
//
// Crossing rule (RayEdge in containment.hpp, which campaign polygons use too): an edge (a, b),
// stored with a.y <= b.y, crosses the ray east from (px, py) when a.y <= py < b.y and p lies
// strictly west of the line a -> b, decided exactly. Horizontal edges never cross. Each
// crossing is counted in the one cell that holds x(py), computed in floating point the same way
// at build and query time, so the cells agree with each other.
// A point on a shared edge therefore belongs to the polygon east of it (north of it on a
// horizontal edge), which covers it. A point on a boundary with no polygon to its east (the
// outer edge of the level) belongs to the lowest-numbered polygon whose boundary it is on:
// a vertex, a point of a horizontal edge, or a point where x(py) == px.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "containment.hpp"
#include "huge_pages.hpp"
#include "index_file.hpp"

namespace geotarget::detail {

using Ring = std::vector<std::array<double, 2>>;  // (x, y) = (lon, lat); closed or not

/// The rings (outer and holes, of every part) of one polygon feature.
using PolygonRings = std::vector<Ring>;

class CellTable {
 public:
  static constexpr std::uint32_t none = 0xffffffffu;

  /// Builds the table over `polygons` (indexes are the answers). `coarse_degrees` is the
  /// coarse cell side, `fine` the split of a touched coarse cell per side.
  CellTable(const std::vector<PolygonRings>& polygons, double coarse_degrees, int fine);
  /// The table save() wrote, its arrays left in the mapped file; every cell value and edge is
  /// checked against the arrays and `polygon_count`. Throws IndexFileError.
  CellTable(IndexFileReader& in, std::size_t polygon_count);

  /// Appends the table to a compiled index file.
  void save(IndexFileWriter& out) const;

  /// Index of the polygon containing (x, y), or none. Where polygons overlap, the lowest index.
  [[nodiscard]] std::uint32_t owner(double x, double y) const noexcept;

  /// Memory held, in bytes (for the load summary and metrics).
  [[nodiscard]] std::size_t bytes() const noexcept;
  [[nodiscard]] std::size_t touched_cells() const noexcept { return touched_cells_; }

 private:
  struct Edge : RayEdge {
    std::uint32_t polygon;
    std::uint32_t last;  // 1 on the last edge of a touched cell's run
    [[nodiscard]] bool touches(double px, double py) const noexcept;
  };
  struct Parity;  // per-query parity accumulator

  // Cell values: kOwner | polygon (or kOwner | none-marker) for untouched cells, else an index.
  static constexpr std::uint32_t kOwner = 0x80000000u;
  static constexpr std::uint32_t kNoOwner = 0x7fffffffu;

  void build_grid(const std::vector<PolygonRings>& polygons);
  // The tables are large and written once: huge pages make both the build (far fewer page
  // faults) and the queries (fewer TLB misses) faster.
  template <class T>
  using Table = std::vector<T, HugePageAllocator<T>>;

  void collect_edges(const std::vector<PolygonRings>& polygons, Table<Edge>& edges);
  void place_edges(const Table<Edge>& edges);
  std::uint32_t number_runs();
  void sweep_owners(std::size_t polygon_count);
  [[nodiscard]] std::uint32_t fine_value(long col, long row) const noexcept;
  [[nodiscard]] long col_of(double x) const noexcept;
  [[nodiscard]] long row_of(double y) const noexcept;
  [[nodiscard]] std::uint32_t slow_owner(double x, double y) const noexcept;
  [[nodiscard]] std::uint32_t boundary_owner(std::uint32_t cell, double x, double y) const noexcept;

  void publish() noexcept;
  void check(std::size_t polygon_count) const;

  double x0_ = 0, y0_ = 0, coarse_ = 1, fine_size_ = 1, inv_fine_size_ = 1;
  int fine_ = 1;
  long cols_ = 0, rows_ = 0;  // coarse grid size
  std::size_t touched_cells_ = 0;
  // Built here, or empty when the table lives in a mapped compiled file.
  Table<std::uint32_t> coarse_cells_;  // kOwner|owner, or first fine slot of its block
  Table<std::uint32_t> fine_cells_;    // kOwner|owner, or the first of its edges_
  Table<Edge> edges_;                  // per touched cell, a run ending with last == 1
  Table<Edge> all_edges_;              // every edge once, polygon by polygon (overflow fallback)
  // What queries read: the tables above, or the same arrays in the mapped file.
  std::span<const std::uint32_t> coarse_view_, fine_view_;
  std::span<const Edge> edges_view_, all_edges_view_;
};

}  // namespace geotarget::detail
