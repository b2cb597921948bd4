// `encore bench --sweep --quick` on a tiny random model with tiny budgets, run in two steps
// (one core, then both core counts) to prove the resume, with a torn row in between as a killed
// run leaves. Checks results.csv, results.json, report.md and the charts by structure only:
// numbers from a shared CI machine mean nothing.
#include <doctest/doctest.h>
#include <simdjson.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

struct Run {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

Run run(const std::string& arguments) {
  const char* encore = std::getenv("ENCORE_BIN");  // set by meson
  REQUIRE(encore != nullptr);
  const std::string command = std::string(encore) + " " + arguments + " 2>&1";
  Run result;
  FILE* pipe = ::popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  char chunk[4096];
  for (size_t n; (n = std::fread(chunk, 1, sizeof(chunk), pipe)) > 0;)
    result.output.append(chunk, n);
  const int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::vector<std::string> fields_of(const std::string& line) {
  std::vector<std::string> fields;
  std::istringstream in(line);
  for (std::string field; std::getline(in, field, ',');) fields.push_back(field);
  return fields;
}

// A temporary folder with a tiny random-weight model, removed at exit.
struct Workspace {
  fs::path dir;
  Workspace() {
    std::string pattern = (fs::temp_directory_path() / "encore-sweep-test-XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    dir = pattern;
  }
  ~Workspace() { fs::remove_all(dir); }
};

constexpr const char* kHeader =
    "system,precision,mode,cores,seq,batch,iterations,req_per_s,seq_per_s,"
    "min_ms,mean_ms,p50_ms,p90_ms,p95_ms,p99_ms,max_ms,busy_s";

}  // namespace

TEST_CASE("bench --sweep --help and its errors") {
  const Run help = run("bench --sweep --help");
  CHECK(help.exit_code == 0);
  CHECK(help.output.find("--quick") != std::string::npos);
  CHECK(help.output.find("--restart") != std::string::npos);
  const Run bad = run("bench --sweep --no-such-flag");
  CHECK(bad.exit_code == 2);
  Workspace workspace;
  const Run no_model = run("bench --sweep --model " + (workspace.dir / "missing").string() +
                           " --out " + (workspace.dir / "out").string());
  CHECK(no_model.exit_code == 1);
}

TEST_CASE("a quick sweep writes the CSV, JSON, report and charts, and resumes without duplicates") {
  Workspace workspace;
  const std::string model = (workspace.dir / "tiny").string();
  const fs::path out = workspace.dir / "out";
  REQUIRE(
      run("demo-model --out " + model + " --dim 32 --heads 2 --layers 2 --hidden 64").exit_code ==
      0);
  // Tiny budgets: the point is the structure, not the numbers.
  const std::string sweep = "bench --sweep --quick --model " + model + " --out " + out.string() +
                            " --budget-ms 5 --min-iters 2 --max-iters 5 --warmup 1";

  const Run first = run(sweep + " --cores 1");
  INFO(first.output);
  REQUIRE(first.exit_code == 0);
  CHECK(first.output.find("estimated time") != std::string::npos);
  const auto first_lines = lines_of(read_file(out / "results.csv"));
  REQUIRE(first_lines.size() > 1);
  CHECK(first_lines.front() == kHeader);
  for (size_t i = 1; i < first_lines.size(); ++i) CHECK(fields_of(first_lines[i])[3] == "1");

  // A run killed while writing leaves a row without its newline; the resume must not glue onto it.
  { std::ofstream(out / "results.csv", std::ios::app) << "encore,fp32,model,2,8"; }

  const Run second = run(sweep);
  INFO(second.output);
  REQUIRE(second.exit_code == 0);
  CHECK(second.output.find(std::to_string(first_lines.size() - 1) + " already in") !=
        std::string::npos);

  // results.json: the systems and every row.
  simdjson::dom::parser parser;
  const simdjson::dom::element json = parser.parse(read_file(out / "results.json"));
  for (const char* key : {"date", "command", "model", "charts_problem"}) {
    CHECK(json[key].is_string());
  }
  CHECK(json["machine"]["cpu_model"].is_string());
  CHECK(json["machine"]["jit_level"].is_string());
  CHECK(json["machine"]["logical_cpus"].is_int64());
  std::set<std::string> measured;
  for (const auto system : json["systems"].get_array()) {
    const std::string label(system["label"].get_string().value());
    if (system["measured"].get_bool().value()) measured.insert(label);
    if (label.rfind("encore", 0) == 0) CHECK(system["measured"].get_bool().value());
  }
  CHECK(measured.count("encore fp32 model") == 1);
  CHECK(measured.count("encore fp32 http") == 1);

  // results.csv: the header, 17 columns, one row per (system, configuration), no duplicates.
  const long machine_cores = ::sysconf(_SC_NPROCESSORS_ONLN);
  const size_t cores = machine_cores >= 2 ? 2 : 1;
  const size_t per_system = cores * 3 * 2;  // --quick: cores {1,2} × seq {8,64,128} × batch {1,8}
  const auto lines = lines_of(read_file(out / "results.csv"));
  REQUIRE(!lines.empty());
  CHECK(lines.front() == kHeader);
  std::set<std::string> keys;
  size_t rows = 0;
  for (size_t i = 1; i < lines.size(); ++i) {
    const auto fields = fields_of(lines[i]);
    if (fields.size() != 17) continue;  // the torn row, left in place and ignored
    ++rows;
    const std::string key = fields[0] + "," + fields[1] + "," + fields[2] + "," + fields[3] + "," +
                            fields[4] + "," + fields[5];
    CHECK_MESSAGE(keys.insert(key).second, "duplicate row ", key);
    CHECK(std::stod(fields[7]) > 0);                        // req_per_s
    CHECK(std::stod(fields[9]) <= std::stod(fields[11]));   // min ≤ p50
    CHECK(std::stod(fields[11]) <= std::stod(fields[15]));  // p50 ≤ max
  }
  CHECK(rows == per_system * measured.size());
  CHECK(json["results"].get_array().size() == rows);
  for (const auto row : json["results"].get_array()) {
    for (const char* key : {"system", "precision", "mode"}) CHECK(row[key].is_string());
    for (const char* key : {"req_per_s", "seq_per_s", "min_ms", "mean_ms", "p50_ms", "p90_ms",
                            "p95_ms", "p99_ms", "max_ms"}) {
      CHECK(row[key].is_double());
    }
  }

  // report.md: its sections, and each system measured or explained.
  const std::string report = read_file(out / "report.md");
  for (const char* section : {"# encore benchmark sweep", "## Machine", "## Systems",
                              "## Throughput", "## Latency at batch 1", "## Speedup",
                              "## End-to-end overhead", "## Charts", "## Reproduce"}) {
    CHECK_MESSAGE(report.find(section) != std::string::npos, section);
  }
  for (const auto system : json["systems"].get_array()) {
    if (!system["measured"].get_bool().value()) {
      CHECK(report.find(std::string(system["problem"].get_string().value())) != std::string::npos);
    }
  }

  // Charts: PNG files when python3-matplotlib is installed, else the report says why not.
  const auto charts = json["charts"].get_array();
  if (charts.size() == 0) {
    CHECK(report.find("no charts") != std::string::npos);
  } else {
    CHECK(charts.size() >= 2);
    for (const auto chart : charts) {
      const std::string bytes = read_file(out / std::string(chart.get_string().value()));
      CHECK(bytes.substr(0, 8) == std::string("\x89PNG\r\n\x1a\n", 8));
    }
  }
}
