// .encore model files end to end on the vendored tiny models: a file loads to exactly the model
// that packing the folder at load gives (every precision), broken files are refused with a message
// naming the file and the remedy, and `encore optimize` writes atomically and reports accuracy.
#include <doctest/doctest.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "encore/encore.h"
#include "engine/api/encore_model_file.h"
#include "loader/encore_file_reader.h"
#include "loader/encore_file_writer.h"
#include "tests/loader/loader_test_util.h"

namespace {

namespace fs = std::filesystem;
using encore::Model;
using encore::Precision;
using encore::test::check_error;

const char* const kTexts[] = {"I love this!", "Ceci n'est pas une pipe.", "混合 text, ünïcödé",
                              "a much longer sentence that keeps going to make more tokens"};

// Every raw output of `model` on kTexts, concatenated.
std::vector<float> outputs(const std::shared_ptr<const Model>& model) {
  encore::Session session(model);
  std::vector<float> all;
  for (const char* text : kTexts) {
    const encore::Input input = encore::Input::of_text(text);
    const encore::RawOutput raw = session.forward({&input, 1});
    all.insert(all.end(), raw.logits.begin(), raw.logits.end());
    all.insert(all.end(), raw.last_hidden_state.begin(), raw.last_hidden_state.end());
  }
  return all;
}

void write_file_model(const std::string& dir, encore::engine::Precision precision,
                      const std::string& path) {
  encore::api::write_encore_model(dir, {precision, encore::jit::cpu_features().level}, path);
}

// Runs a shell command; returns its exit status and fills `out` with stdout and stderr.
int run(const std::string& command, std::string& out) {
  out.clear();
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  REQUIRE(pipe != nullptr);
  char buffer[4096];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) out.append(buffer, n);
  const int status = ::pclose(pipe);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// Copies the blobs of a valid file into a new one, changed by `edit`.
void rewrite(const std::string& from, const std::string& to,
             const std::function<void(encore::loader::EncoreFileWriter&,
                                      const encore::loader::EncoreBlob&)>& copy_blob) {
  const auto file = encore::loader::EncoreFile::open(from);
  encore::loader::EncoreFileWriter writer;
  for (const auto& blob : file.blobs()) copy_blob(writer, blob);
  writer.write(to);
}

void copy_as_is(encore::loader::EncoreFileWriter& writer, const encore::loader::EncoreBlob& blob) {
  writer.add(blob.name, blob.dtype, blob.shape, blob.bytes, blob.alignment);
}

}  // namespace

TEST_CASE("a .encore file loads to exactly the model packed from its folder, in every precision") {
  encore::test::TempDir dir;
  const std::pair<Precision, encore::engine::Precision> precisions[] = {
      {Precision::kFp32, encore::engine::Precision::kFp32},
      {Precision::kBf16, encore::engine::Precision::kBf16},
      {Precision::kInt8, encore::engine::Precision::kInt8}};
  for (const char* name : {"tiny-seq", "tiny-tok"}) {
    const std::string folder = encore::test::tiny_model(name);
    for (const auto& pair : precisions) {  // no structured bindings: INFO captures (clang 14)
      const Precision precision = pair.first;
      const encore::engine::Precision engine_precision = pair.second;
      INFO(name, " ", encore::engine::precision_name(engine_precision));
      const std::string path = dir / (std::string(name) + ".encore");
      write_file_model(folder, engine_precision, path);
      const auto packed_at_load = Model::load(folder, {.threads = 1, .precision = precision});
      // The file's own precision wins over the option.
      const auto from_file = Model::load(path, {.threads = 1, .precision = Precision::kFp32});
      CHECK(from_file->options().precision == precision);
      CHECK(from_file->path() == path);
      CHECK(from_file->labels() == packed_at_load->labels());
      CHECK(from_file->architecture() == packed_at_load->architecture());
      CHECK(from_file->max_length() == packed_at_load->max_length());
      CHECK(from_file->tokenizer().vocab_size() == packed_at_load->tokenizer().vocab_size());
      const std::vector<float> expected = outputs(packed_at_load);
      const std::vector<float> actual = outputs(from_file);
      REQUIRE(actual.size() == expected.size());
      CHECK(std::memcmp(actual.data(), expected.data(), actual.size() * sizeof(float)) == 0);
    }
  }
}

TEST_CASE("broken .encore models: missing, unknown and corrupted blobs, foreign files, other CPUs") {
  encore::test::TempDir dir;
  const std::string folder = encore::test::tiny_model("tiny-seq");
  const std::string good = dir / "good.encore";
  write_file_model(folder, encore::engine::Precision::kInt8, good);
  Model::load(good);

  const std::string missing = dir / "missing.encore";
  rewrite(good, missing, [](auto& writer, const auto& blob) {
    if (blob.name != "packed/layers.1.ffn_in.panels") copy_as_is(writer, blob);
  });
  check_error([&] { Model::load(missing); },
              {"missing.encore", "'packed/layers.1.ffn_in.panels' is missing", "encore optimize"});

  const std::string unknown = dir / "unknown.encore";
  rewrite(good, unknown, [](auto& writer, const auto& blob) {
    copy_as_is(writer, blob);
    if (blob.name == "meta.json") writer.add_copy("packed/layers.9.magic", "?");
  });
  check_error([&] { Model::load(unknown); },
              {"unknown.encore", "unknown blobs 'packed/layers.9.magic'", "encore optimize"});

  // A file packed for a CPU feature this one lacks (here one encore never uses, so the test runs
  // on any machine): the message says how to get a file this CPU can run.
  const std::string other_cpu = dir / "other-cpu.encore";
  rewrite(good, other_cpu, [](auto& writer, const auto& blob) {
    if (blob.name != "meta.json") return copy_as_is(writer, blob);
    std::string meta(blob.text());
    const std::string key = "\"cpu_features\":[";
    REQUIRE(meta.find(key) != std::string::npos);
    meta.insert(meta.find(key) + key.size(), "\"avx10_512\",");
    writer.add_copy("meta.json", meta);
  });
  check_error([&] { Model::load(other_cpu); },
              {"other-cpu.encore", "needs avx10_512", "re-run `encore optimize` on this machine",
               "--isa"});

  const std::string bytes = encore::test::read_file(good);
  encore::test::write_file(dir / "truncated.encore", bytes.substr(0, bytes.size() / 2));
  check_error([&] { Model::load(dir / "truncated.encore"); },
              {"truncated.encore", "truncated", "encore optimize"});
  std::string flipped = bytes;
  flipped[flipped.size() - 100] ^= 1;
  encore::test::write_file(dir / "flipped.encore", flipped);
  check_error([&] { Model::load(dir / "flipped.encore"); },
              {"flipped.encore", "checksum mismatch", "corrupted"});
  check_error([&] { Model::load(folder + "/config.json"); },
              {"config.json", "not a .encore file", "Hugging Face model folder"});
}

TEST_CASE("encore optimize: writes the file, reports accuracy, leaves nothing behind on error") {
  const std::string bin = encore::test::env("ENCORE_BIN");
  REQUIRE_MESSAGE(!bin.empty(), "ENCORE_BIN is not set (run through meson test)");
  encore::test::TempDir dir;
  const std::string folder = encore::test::tiny_model("tiny-seq");
  const std::string path = dir / "m.encore";
  std::string out;

  REQUIRE(run(bin + " optimize --help", out) == 0);
  CHECK(out.find("--precision") != std::string::npos);

  REQUIRE_MESSAGE(run(bin + " optimize --model " + folder + " --precision int8 -o " + path +
                          " --max-texts 40 --threads 1", out) == 0, out);
  CHECK_MESSAGE(out.find("calibrated") == std::string::npos, out);  // rounded to nearest
  for (const char* fragment : {"wrote ", "int8", "on 40 texts", "top-1 agreement",
                               "|delta probability|", "embedding cosine, CLS",
                               "embedding cosine, mean"}) {
    CHECK_MESSAGE(out.find(fragment) != std::string::npos, "missing '", fragment, "' in ", out);
  }
  std::string from_file, from_folder;
  REQUIRE(run(bin + " predict --threads 1 --model " + path + " 'I love this'", from_file) == 0);
  REQUIRE(run(bin + " predict --threads 1 --precision int8 --model " + folder + " 'I love this'",
              from_folder) == 0);
  CHECK(from_file == from_folder);
  // encore tokenize reads the tokenizer the file embeds.
  const std::string line = dir / "line.jsonl";
  encore::test::write_file(line, "{\"text\": \"Héllo, wörld! 12 cats\"}\n");
  REQUIRE(run(bin + " tokenize --model " + path + " < " + line, from_file) == 0);
  REQUIRE(run(bin + " tokenize --model " + folder + " < " + line, from_folder) == 0);
  CHECK_MESSAGE(from_file.find("\"ids\":[101,") != std::string::npos, from_file);
  CHECK(from_file == from_folder);

  // --calibrate: int8 weights by GPTQ on the built-in texts, or on --calibration-texts.
  const std::string calibrated = dir / "calibrated.encore";
  REQUIRE_MESSAGE(run(bin + " optimize --model " + folder + " --precision int8 -o " + calibrated +
                          " --max-texts 10 --threads 1 --calibrate --calibration-count 20",
                      out) == 0,
                  out);
  CHECK_MESSAGE(out.find("calibrated int8 weights (GPTQ) on 20 texts") != std::string::npos, out);
  fs::remove(calibrated);
  const std::string calibration_texts = dir / "texts.jsonl";
  encore::test::write_file(calibration_texts, "{\"text\": \"fine\"}\n{\"lang\": \"en\"}\n");
  CHECK(run(bin + " optimize --model " + folder + " --precision int8 -o " + calibrated +
                " --calibration-texts " + calibration_texts, out) == 1);
  CHECK_MESSAGE(out.find("texts.jsonl:2: no \"text\"") !=
                    std::string::npos,
                out);
  CHECK(run(bin + " optimize --model " + folder + " --precision fp32 -o " + calibrated +
                " --calibrate", out) == 1);
  CHECK_MESSAGE(out.find("--precision int8 only") != std::string::npos, out);

  // Failures before and after packing leave no file at all.
  const std::string texts = dir / "texts.jsonl";
  encore::test::write_file(texts, "{\"text\": \"fine\"}\nnot json\n");
  const std::string failed = dir / "failed.encore";
  CHECK(run(bin + " optimize --model " + folder + " -o " + failed + " --texts " + texts, out) == 1);
  CHECK_MESSAGE(out.find("texts.jsonl:2: not a JSON object") != std::string::npos, out);
  CHECK(run(bin + " optimize --model " + dir / "absent" + " -o " + failed, out) == 1);
  CHECK_MESSAGE(out.find("absent") != std::string::npos, out);
  CHECK(run(bin + " optimize --model " + folder + " -o " + dir / "no/such/dir/m.encore", out) == 1);
  for (const auto& item : fs::directory_iterator(dir.path())) {
    const std::string name = item.path().filename().string();
    CHECK_MESSAGE((name == "m.encore" || name == "texts.jsonl" || name == "line.jsonl"),
                  "left behind: ", name);
  }

  // A file packed for VNNI on a process held to a lower level by ENCORE_ISA.
  if (encore::jit::cpu_features().detected == encore::jit::IsaLevel::avx512_vnni) {
    CHECK(run("ENCORE_ISA=avx512 " + bin + " predict --model " + path + " hello", out) == 1);
    CHECK_MESSAGE(out.find("packed for avx512_vnni") != std::string::npos, out);
    CHECK_MESSAGE(out.find("lowered by ENCORE_ISA") != std::string::npos, out);
  }
}
