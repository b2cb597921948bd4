// Helpers shared by the loader tests: temporary folders, the unpacked tiny models, ../shared, and
// a check that an operation fails with an encore::Error whose message names what went wrong.
#pragma once

#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <sstream>
#include <string>
#include <string_view>

#include "support/error.h"

namespace encore::test {

namespace fs = std::filesystem;

// A fresh folder under $TMPDIR, removed with everything in it when the test ends.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "encore-loader-XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const fs::path& path() const { return path_; }
  std::string operator/(const std::string& name) const { return (path_ / name).string(); }

 private:
  fs::path path_;
};

inline std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

// The vendored tiny models, unpacked into the build folder by tests/loader/meson.build.
inline std::string tiny_model(const std::string& name) {
  std::string root = env("ENCORE_TINY_MODELS");
  REQUIRE_MESSAGE(!root.empty(), "ENCORE_TINY_MODELS is not set (run through meson test)");
  return (fs::path(root) / name).string();
}

// ../shared when present (CI has it; a user's clone does not).
inline std::string shared_dir() {
  std::string dir = env("ENCORE_SHARED");
  std::error_code ec;
  return !dir.empty() && fs::is_directory(dir, ec) ? dir : "";
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE_MESSAGE(in.good(), "cannot read ", path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

inline void write_file(const std::string& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  REQUIRE_MESSAGE(out.good(), "cannot write ", path);
}

inline void copy_model(const std::string& from, const fs::path& to) {
  for (const char* name : {"config.json", "model.safetensors"}) {
    fs::copy_file(fs::path(from) / name, to / name, fs::copy_options::overwrite_existing);
  }
}

// Runs `operation`, which must throw encore::Error with every one of `fragments` in its message.
template <typename Operation>
void check_error(Operation&& operation, std::initializer_list<std::string_view> fragments) {
  try {
    operation();
    FAIL("expected an encore::Error mentioning: ", *fragments.begin());
  } catch (const Error& e) {
    const std::string message = e.what();
    INFO("message: ", message);
    for (std::string_view fragment : fragments) {
      CHECK_MESSAGE(message.find(fragment) != std::string::npos, "missing '", fragment, "'");
    }
  }
}

}  // namespace encore::test
