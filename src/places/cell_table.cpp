#include "cell_table.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>

#include "orientation.hpp"

namespace geotarget::detail {

// The polygons whose boundary a query ray crossed an odd number of times. Fixed size so that a
// query never allocates; more distinct polygons than fit sends the query to slow_owner().
struct CellTable::Parity {
  static constexpr int kCapacity = 48;
  std::array<std::uint32_t, kCapacity> polygon;
  std::array<bool, kCapacity> odd;
  int size = 0;

  [[nodiscard]] bool flip(std::uint32_t p) noexcept {
    for (int i = 0; i < size; ++i) {
      if (polygon[i] == p) {
        odd[i] = !odd[i];
        return true;
      }
    }
    if (size == kCapacity) return false;
    polygon[size] = p;
    odd[size++] = true;
    return true;
  }
  // The lowest-numbered polygon inside: `base` (the owner of the cell the ray ended in) unless
  // the ray crossed its boundary an odd number of times, and any other polygon crossed oddly.
  [[nodiscard]] std::uint32_t inside(std::uint32_t base) const noexcept {
    std::uint32_t best = none;
    bool base_seen = false;
    for (int i = 0; i < size; ++i) {
      bool in = polygon[i] == base ? !odd[i] : odd[i];
      base_seen |= polygon[i] == base;
      if (in) best = std::min(best, polygon[i]);
    }
    if (!base_seen && base != none) best = std::min(best, base);
    return best;
  }
};

CellTable::CellTable(const std::vector<PolygonRings>& polygons, double coarse_degrees, int fine)
    : coarse_(coarse_degrees), fine_(static_cast<int>(std::bit_ceil(static_cast<unsigned>(std::max(fine, 1))))) {
  fine_size_ = coarse_ / fine_;
  inv_fine_size_ = 1.0 / fine_size_;
  build_grid(polygons);
  collect_edges(polygons, all_edges_);
  place_edges(all_edges_);
  sweep_owners(polygons.size());
  publish();
}

void CellTable::publish() noexcept {
  coarse_view_ = coarse_cells_, fine_view_ = fine_cells_;
  edges_view_ = edges_, all_edges_view_ = all_edges_;
}

namespace {

// The numbers that place the grid, as one section of a compiled file.
struct GridShape {
  double x0, y0, coarse, fine_size, inv_fine_size;
  std::int64_t fine, cols, rows;
  std::uint64_t touched_cells;
};

}  // namespace

void CellTable::save(IndexFileWriter& out) const {
  out.value(GridShape{x0_, y0_, coarse_, fine_size_, inv_fine_size_, fine_, cols_, rows_, touched_cells_});
  out.array(coarse_view_);
  out.array(fine_view_);
  out.array(edges_view_);
  out.array(all_edges_view_);
}

CellTable::CellTable(IndexFileReader& in, std::size_t polygon_count) {
  const auto shape = in.value<GridShape>();
  constexpr std::int64_t kMaxSide = 1 << 20;
  require_index(shape.fine >= 1 && shape.fine <= 1024 && std::has_single_bit(static_cast<std::uint64_t>(shape.fine)),
                "a cell table's fine split is not a power of two up to 1024");
  require_index(shape.cols >= 1 && shape.rows >= 1 && shape.cols <= kMaxSide && shape.rows <= kMaxSide,
                "a cell table's grid size is out of range");
  x0_ = shape.x0, y0_ = shape.y0, coarse_ = shape.coarse, fine_size_ = shape.fine_size;
  inv_fine_size_ = shape.inv_fine_size, fine_ = static_cast<int>(shape.fine);
  cols_ = shape.cols, rows_ = shape.rows, touched_cells_ = shape.touched_cells;
  coarse_view_ = in.array<std::uint32_t>();
  fine_view_ = in.array<std::uint32_t>();
  edges_view_ = in.array<Edge>();
  all_edges_view_ = in.array<Edge>();
  check(polygon_count);
}

// Every value a query may follow stays inside the arrays: an owner is a polygon or none, a
// block of fine cells and a run of edges lie inside their arrays, and every run ends.
void CellTable::check(std::size_t polygon_count) const {
  auto owner_ok = [polygon_count](std::uint32_t v) {
    return (v & ~kOwner) == kNoOwner || (v & ~kOwner) < polygon_count;
  };
  const std::size_t block = static_cast<std::size_t>(fine_) * static_cast<std::size_t>(fine_);
  require_index(coarse_view_.size() == static_cast<std::size_t>(cols_ * rows_), "a cell table's coarse grid has the wrong size");
  for (std::uint32_t v : coarse_view_)
    require_index((v & kOwner) ? owner_ok(v) : v % block == 0 && v + block <= fine_view_.size(),
                  "a coarse cell points outside the table");
  for (std::uint32_t v : fine_view_)
    require_index((v & kOwner) ? owner_ok(v) : v < edges_view_.size(), "a fine cell points outside the table");
  require_index(edges_view_.empty() || edges_view_.back().last == 1, "the last run of edges does not end");
  for (const Edge& e : edges_view_) require_index(e.polygon < polygon_count, "an edge names no polygon");
  for (const Edge& e : all_edges_view_) require_index(e.polygon < polygon_count, "an edge names no polygon");
}

void CellTable::build_grid(const std::vector<PolygonRings>& polygons) {
  double minx = std::numeric_limits<double>::max(), miny = minx;
  double maxx = std::numeric_limits<double>::lowest(), maxy = maxx;
  for (const auto& rings : polygons)
    for (const auto& ring : rings)
      for (const auto& [x, y] : ring) {
        minx = std::min(minx, x), maxx = std::max(maxx, x);
        miny = std::min(miny, y), maxy = std::max(maxy, y);
      }
  if (minx > maxx) minx = maxx = miny = maxy = 0;  // no polygons: one empty cell
  x0_ = std::floor(minx / coarse_) * coarse_;
  y0_ = std::floor(miny / coarse_) * coarse_;
  cols_ = static_cast<long>(std::floor((maxx - x0_) / coarse_)) + 1;
  rows_ = static_cast<long>(std::floor((maxy - y0_) / coarse_)) + 1;
  coarse_cells_.assign(static_cast<std::size_t>(cols_ * rows_), kOwner | kNoOwner);
}

void CellTable::collect_edges(const std::vector<PolygonRings>& polygons, Table<Edge>& edges) {
  std::size_t vertices = 0;
  for (const auto& rings : polygons)
    for (const auto& ring : rings) vertices += ring.size();
  edges.reserve(vertices);
  for (std::uint32_t p = 0; p < polygons.size(); ++p) {
    for (const auto& ring : polygons[p]) {
      for (std::size_t i = 0; i < ring.size(); ++i) {
        const auto& a = ring[i];
        const auto& b = ring[(i + 1) % ring.size()];
        if (a != b) edges.push_back(Edge{RayEdge::between(a, b), p, 0});
      }
    }
  }
}

long CellTable::col_of(double x) const noexcept {
  return static_cast<long>(std::floor((x - x0_) * inv_fine_size_));
}

long CellTable::row_of(double y) const noexcept {
  return static_cast<long>(std::floor((y - y0_) * inv_fine_size_));
}

namespace {

// Calls f(col, row) for every fine cell an edge may touch: per row, the columns between the
// edge's x at the row's bottom and top, widened by far more than any rounding of x(py) (which
// grows with the slope for nearly horizontal edges) so that no touched cell is missed.
template <class ColOf, class RowOf, class F>
void for_each_touched(double x0, double y0, double x1, double y1, double slope, double row_origin,
                      double fine_size, ColOf col_of, RowOf row_of, long max_col, F f) {
  const double margin = 1e-9 + std::fabs(slope) * 1e-11;
  const long c_lo = std::max(0L, col_of(std::min(x0, x1) - margin));
  const long c_hi = std::min(max_col, col_of(std::max(x0, x1) + margin));
  for (long r = row_of(y0), r_end = row_of(y1); r <= r_end; ++r) {
    double lo = std::max(y0, row_origin + static_cast<double>(r) * fine_size);
    double hi = std::min(y1, row_origin + static_cast<double>(r + 1) * fine_size);
    double xa = y0 == y1 ? x0 : x0 + (lo - y0) * slope;
    double xb = y0 == y1 ? x1 : x0 + (hi - y0) * slope;
    long first = std::max(c_lo, col_of(std::min(xa, xb) - margin));
    long last = std::min(c_hi, col_of(std::max(xa, xb) + margin));
    for (long c = first; c <= last; ++c) f(c, r);
  }
}

}  // namespace

void CellTable::place_edges(const Table<Edge>& edges) {
  const long max_col = cols_ * fine_ - 1, max_row = rows_ * fine_ - 1;
  const int shift = std::countr_zero(static_cast<unsigned>(fine_));
  auto col_of = [this](double x) { return this->col_of(x); };
  auto row_of = [this](double y) { return this->row_of(y); };
  auto visit_all = [&](auto&& f) {
    for (std::uint32_t e = 0; e < edges.size(); ++e) {
      const Edge& ed = edges[e];
      for_each_touched(ed.x0, ed.y0, ed.x1, ed.y1, ed.slope, y0_, fine_size_, col_of, row_of, max_col,
                       [&](long c, long r) {
                         if (r >= 0 && r <= max_row) f(e, c, r);
                       });
    }
  };
  // Pass 1: which coarse cells are touched; give each a block of fine cells.
  visit_all([&](std::uint32_t, long c, long r) {
    coarse_cells_[static_cast<std::size_t>((r >> shift) * cols_ + (c >> shift))] = 0;
  });
  std::uint32_t next_block = 0;
  const std::uint32_t block_size = static_cast<std::uint32_t>(fine_ * fine_);
  for (auto& cell : coarse_cells_) {
    if (cell == 0) cell = next_block++ * block_size;
  }
  fine_cells_.assign(static_cast<std::size_t>(next_block) * block_size, 0);
  auto slot = [&](long c, long r) -> std::uint32_t& {
    std::uint32_t block = coarse_cells_[static_cast<std::size_t>((r >> shift) * cols_ + (c >> shift))];
    return fine_cells_[block + static_cast<std::uint32_t>(((r & (fine_ - 1)) << shift) | (c & (fine_ - 1)))];
  };
  // Pass 2: count edges per fine cell (an edge counts once per cell).
  Table<std::uint32_t> last_edge(fine_cells_.size(), 0xffffffffu);
  visit_all([&](std::uint32_t e, long c, long r) {
    std::uint32_t& s = slot(c, r);
    std::size_t at = static_cast<std::size_t>(&s - fine_cells_.data());
    if (last_edge[at] != e) last_edge[at] = e, ++s;
  });
  // Pass 3: fill each touched cell's run of edges.
  edges_.resize(number_runs());
  Table<std::uint32_t> fill(fine_cells_);
  std::fill(last_edge.begin(), last_edge.end(), 0xffffffffu);
  visit_all([&](std::uint32_t e, long c, long r) {
    std::uint32_t& s = slot(c, r);
    std::size_t at = static_cast<std::size_t>(&s - fine_cells_.data());
    if (last_edge[at] == e) return;
    last_edge[at] = e;
    edges_[fill[at]++] = edges[e];
  });
  for (std::size_t i = 0; i < fine_cells_.size(); ++i)
    if (!(fine_cells_[i] & kOwner)) edges_[fill[i] - 1].last = 1;
}

// Turns each fine cell's edge count into the start of its run of edges (untouched cells get
// "no owner" until the sweep); returns the number of edges in all runs.
std::uint32_t CellTable::number_runs() {
  std::uint32_t total = 0;
  for (auto& cell : fine_cells_) {
    if (cell == 0) {
      cell = kOwner | kNoOwner;
      continue;
    }
    const std::uint32_t count = cell;
    cell = total;
    total += count;
    ++touched_cells_;
  }
  return total;
}

// Sweeps every fine row from east to west at the row's centre line, carrying the set of
// polygons the line is inside, and writes that set's owner into every untouched cell.
void CellTable::sweep_owners(std::size_t polygon_count) {
  const int shift = std::countr_zero(static_cast<unsigned>(fine_));
  std::vector<std::uint8_t> odd(polygon_count, 0);
  std::vector<std::uint32_t> inside;
  auto owner_value = [&] {
    if (inside.empty()) return kOwner | kNoOwner;
    return kOwner | *std::min_element(inside.begin(), inside.end());
  };
  for (long row = 0; row < rows_ * fine_; ++row) {
    const double yc = y0_ + (static_cast<double>(row) + 0.5) * fine_size_;
    const long coarse_row = row >> shift;
    for (long cc = cols_ - 1; cc >= 0; --cc) {
      std::uint32_t& coarse = coarse_cells_[static_cast<std::size_t>(coarse_row * cols_ + cc)];
      if (coarse & kOwner) {
        if ((row & (fine_ - 1)) == 0) coarse = owner_value();
        continue;
      }
      for (long lc = fine_ - 1; lc >= 0; --lc) {
        const long col = (cc << shift) | lc;
        std::uint32_t& cell = fine_cells_[coarse + static_cast<std::uint32_t>(((row & (fine_ - 1)) << shift) | lc)];
        if (cell & kOwner) {
          cell = owner_value();
          continue;
        }
        for (const Edge* ed = &edges_[cell];; ++ed) {
          if (ed->spans(yc) && col_of(ed->x_at(yc)) == col) {
            if ((odd[ed->polygon] ^= 1) != 0) {
              inside.push_back(ed->polygon);
            } else {
              inside.erase(std::find(inside.begin(), inside.end(), ed->polygon));
            }
          }
          if (ed->last) break;
        }
      }
    }
    // A closed boundary is crossed an even number of times along a full row.
    for (std::uint32_t p : inside) odd[p] = 0;
    inside.clear();
  }
}

std::uint32_t CellTable::fine_value(long col, long row) const noexcept {
  const int shift = std::countr_zero(static_cast<unsigned>(fine_));
  std::uint32_t coarse = coarse_view_[static_cast<std::size_t>((row >> shift) * cols_ + (col >> shift))];
  if (coarse & kOwner) return coarse;
  return fine_view_[coarse + static_cast<std::uint32_t>(((row & (fine_ - 1)) << shift) | (col & (fine_ - 1)))];
}

std::uint32_t CellTable::owner(double x, double y) const noexcept {
  const long col = col_of(x), row = row_of(y), cols = cols_ * fine_;
  if (col < 0 || row < 0 || col >= cols || row >= rows_ * fine_) return none;
  std::uint32_t value = fine_value(col, row);
  if (value & kOwner) return (value & ~kOwner) == kNoOwner ? none : value & ~kOwner;
  Parity parity;
  std::uint32_t base = none;
  for (long c = col; c < cols; ++c) {
    value = fine_value(c, row);
    if (value & kOwner) {
      base = (value & ~kOwner) == kNoOwner ? none : value & ~kOwner;
      break;
    }
    for (const Edge* ed = &edges_view_[value];; ++ed) {
      if (ed->spans(y)) {
        // In the point's own cell a crossing counts if the point is west of the edge, wherever
        // rounding put x(py); further east every crossing of the cell counts.
        const double xi = ed->x_at(y);
        const long xi_col = col_of(xi);
        const bool counted = c == col ? xi_col <= c && ed->west_of(x, y, xi) : xi_col == c;
        if (counted && !parity.flip(ed->polygon)) return slow_owner(x, y);
      }
      if (ed->last) break;
    }
  }
  std::uint32_t inside = parity.inside(base);
  return inside != none ? inside : boundary_owner(fine_value(col, row), x, y);
}

bool CellTable::Edge::touches(double px, double py) const noexcept {
  if (py < y0 || py > y1 || px < std::min(x0, x1) || px > std::max(x0, x1)) return false;
  return orientation(x0, y0, x1, y1, px, py) == 0;
}

// No polygon lies east of the point; it may still be on the outer boundary of some.
std::uint32_t CellTable::boundary_owner(std::uint32_t cell, double x, double y) const noexcept {
  std::uint32_t best = none;
  for (const Edge* ed = &edges_view_[cell];; ++ed) {
    if (ed->touches(x, y)) best = std::min(best, ed->polygon);
    if (ed->last) break;
  }
  return best;
}

// Every edge of every polygon, polygon by polygon: the plain crossing test, same rule.
std::uint32_t CellTable::slow_owner(double x, double y) const noexcept {
  std::size_t i = 0;
  while (i < all_edges_view_.size()) {
    const std::uint32_t p = all_edges_view_[i].polygon;
    bool in = false;
    for (; i < all_edges_view_.size() && all_edges_view_[i].polygon == p; ++i) {
      const Edge& ed = all_edges_view_[i];
      if (ed.crossed_from(x, y)) in = !in;
    }
    if (in) return p;
  }
  return none;
}

std::size_t CellTable::bytes() const noexcept {
  return (coarse_view_.size() + fine_view_.size()) * sizeof(std::uint32_t) +
         (edges_view_.size() + all_edges_view_.size()) * sizeof(Edge);
}

}  // namespace geotarget::detail
