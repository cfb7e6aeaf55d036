#include "test_support.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace geotarget::test {

namespace fs = std::filesystem;

fs::path source_path(const std::string& relative) { return fs::path(GEOTARGET_SOURCE_DIR) / relative; }

fs::path mmdb_testdata() {
  fs::path dir(GEOTARGET_MMDB_TESTDATA);
  return fs::is_directory(dir / "test-data") ? dir : fs::path();
}

fs::path fresh_dir(const std::string& name) {
  fs::path dir = fs::path(GEOTARGET_TEST_TMP) / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

fs::path write_file(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path.string());
  return path;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

CommandResult run_cli(const std::vector<std::string>& args, const std::string& input) {
#ifndef GEOTARGET_CLI
  (void)args;
  (void)input;
  throw std::runtime_error("the geotarget CLI was not built");
#else
  // stdin, stdout and stderr go through temporary files: no pipe deadlocks, no threads.
  fs::path dir = fs::path(GEOTARGET_TEST_TMP) / ("cli-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  fs::path in = write_file(dir / "stdin", input), out = dir / "stdout", err = dir / "stderr";
  pid_t pid = ::fork();
  if (pid == 0) {
    int fin = ::open(in.c_str(), O_RDONLY);
    int fout = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int ferr = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(fin, 0);
    ::dup2(fout, 1);
    ::dup2(ferr, 2);
    std::vector<char*> argv{const_cast<char*>(GEOTARGET_CLI)};
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(GEOTARGET_CLI, argv.data());
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  CommandResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = read_file(out);
  r.err = read_file(err);
  return r;
#endif
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

}  // namespace geotarget::test
