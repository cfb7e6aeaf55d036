// geotarget bench locate-once: the whole `geotarget locate LAT LON` process, with the compiled
// place index mapped, against the same process building the index from the sources
// (`--from-sources`, what every start did before the compiled index); and the answers of both
// indexes compared on random points.
#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "bench.hpp"
#include "geotarget/error.hpp"
#include "geotarget/place_index.hpp"

extern char** environ;

namespace geotarget::cli {

namespace {

struct ProcessTimes {
  double wall = 0, cpu = 0;  // seconds; cpu is user + system of the child
};

// Runs this executable with `args`, its output to /dev/null, and times it.
ProcessTimes run_self(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  std::string self = "/proc/self/exe";
  argv.push_back(self.data());
  std::vector<std::string> copies = args;
  for (std::string& a : copies) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  const auto t0 = Clock::now();
  pid_t pid = 0;
  const int spawned = posix_spawn(&pid, self.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) throw Error("bench locate-once: cannot start " + self);
  int status = 0;
  rusage usage{};
  if (wait4(pid, &status, 0, &usage) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw Error("bench locate-once: `geotarget locate` failed");
  const auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) * 1e-6; };
  return {seconds_since(t0), seconds(usage.ru_utime) + seconds(usage.ru_stime)};
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

// Points on which both indexes answer a different place at some level.
std::size_t differing_answers(const PlaceIndex& mapped, const PlaceIndex& built, std::size_t count, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> z(-1, 1), lon(-180, 180);
  std::size_t differing = 0;
  PlaceChain a, b;
  for (std::size_t i = 0; i < count; ++i) {
    const LatLng point{std::asin(z(rng)) * 180 / 3.14159265358979323846, lon(rng)};
    (void)mapped.locate(point, a);
    (void)built.locate(point, b);
    for (std::size_t l = 0; l < kPlaceLevels; ++l) {
      const bool same = (a.at[l] == nullptr) == (b.at[l] == nullptr) && (!a.at[l] || a.at[l]->id == b.at[l]->id);
      if (!same) {
        ++differing;
        break;
      }
    }
  }
  return differing;
}

}  // namespace

void bench_locate_once(const std::string& geodata, int runs, std::size_t points, std::uint64_t seed) {
  auto t0 = Clock::now();
  auto mapped = PlaceIndex::load(geodata);  // writes the compiled index when there is none
  std::printf("geodata: %s (compiled index ready in %.2f s: MANIFEST.index or the cache folder)\n", geodata.c_str(),
              seconds_since(t0));
  const std::vector<std::string> ours = {"locate", "--geodata", geodata, "40.7128", "-74.0060"};
  std::vector<std::string> reference = ours;
  reference.insert(reference.begin() + 1, "--from-sources");
  std::vector<double> ours_wall, ours_cpu, ref_wall, ref_cpu;
  for (int round = 0; round < runs; ++round) {  // alternately, so that load from elsewhere hits both
    const ProcessTimes o = run_self(ours), r = run_self(reference);
    ours_wall.push_back(o.wall), ours_cpu.push_back(o.cpu);
    ref_wall.push_back(r.wall), ref_cpu.push_back(r.cpu);
  }
  std::printf("runs: %d of each, alternately; `geotarget locate 40.7128 -74.0060` as a whole process\n", runs);
  std::printf("geotarget locate (compiled index mapped): median %.3f s wall, %.3f s CPU; best %.3f s wall\n",
              median(ours_wall), median(ours_cpu), *std::min_element(ours_wall.begin(), ours_wall.end()));
  std::printf("geotarget locate --from-sources (index built from the sources): median %.3f s wall, %.3f s CPU; best %.3f s wall\n",
              median(ref_wall), median(ref_cpu), *std::min_element(ref_wall.begin(), ref_wall.end()));
  PlaceIndexOptions from_sources;
  from_sources.compiled_index = false;
  auto built = PlaceIndex::load(geodata, from_sources);
  std::printf("points compared: %zu uniform random on the sphere, seed %llu\n", points,
              static_cast<unsigned long long>(seed));
  std::printf("differing answers (any level): %zu\n", differing_answers(*mapped, *built, points, seed));
  std::printf("ratio: %.2f (reference / ours, median wall time)\n", median(ref_wall) / median(ours_wall));
}

}  // namespace geotarget::cli
