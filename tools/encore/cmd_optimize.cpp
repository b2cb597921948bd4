// encore optimize — the Infinity "Multiverse" analogue: packs a Hugging Face folder for this CPU
// (int8, bf16 or fp32) into one self-contained, mmap-ready .encore file, then reads the file back
// and reports its accuracy against fp32 on a set of texts.
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "engine/api/encore_model_file.h"
#include "engine/api/int8_calibration.h"
#include "support/error.h"
#include "support/mapped_file.h"
#include "tools/encore/accuracy_report.h"
#include "tools/encore/args.h"
#include "tools/encore/commands.h"

namespace encore::cli {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// "-o FILE" is the conventional spelling; Args knows only long options.
std::vector<char*> with_long_out(int argc, char** argv) {
  static char kOut[] = "--out";
  std::vector<char*> args(argv, argv + argc);
  for (char*& arg : args) {
    if (std::strcmp(arg, "-o") == 0) arg = kOut;
  }
  return args;
}

jit::IsaLevel read_isa(const Args& args) {
  const jit::CpuFeatures& cpu = jit::cpu_features();
  if (!args.has("isa")) return cpu.level;
  const auto level = jit::parse_isa_level(args.get("isa"));
  if (!level) throw_error("--isa '", args.get("isa"), "': expected avx512_vnni, avx512 or portable");
  if (*level > cpu.detected) {
    throw_error("--isa ", args.get("isa"), ": this CPU supports only ",
                jit::isa_level_name(cpu.detected));
  }
  return *level;
}

// One line on stderr every few seconds (and at the end), with the time left.
void print_progress(size_t done, size_t total, Clock::time_point start, double& last_print) {
  const double elapsed = seconds_since(start);
  if (elapsed - last_print < 3 && done != total) return;
  last_print = elapsed;
  const double left = elapsed / static_cast<double>(done) * static_cast<double>(total - done);
  std::fprintf(stderr, "optimize: accuracy %zu/%zu texts, %.0f s elapsed, ~%.0f s left\n", done,
               total, elapsed, left);
}

}  // namespace

int cmd_optimize(int argc, char** argv) {
  Args args("optimize",
            "encore optimize --model DIR --precision int8|bf16|fp32 -o model.encore [options]",
            "Packs the Hugging Face folder DIR for this CPU (or --isa) into one mmap-ready file\n"
            "that `serve`, `predict` and `bench` load with --model FILE: pre-packed weights, the\n"
            "config and the tokenizer files, checksummed. The file is written atomically. Then\n"
            "reads it back and prints its accuracy against fp32 on --texts (default: 1,000\n"
            "built-in multilingual sentences): top-1 agreement, max and mean |delta probability|,\n"
            "min and mean embedding cosine. Progress goes to stderr.\n"
            "int8 weights are rounded to nearest; --calibrate rounds them with GPTQ instead,\n"
            "calibrated on 256 built-in sentences (disjoint from the accuracy texts) or on\n"
            "--calibration-texts (experimental: not more accurate on the tested checkpoint).");
  args.option("model", "DIR", "Hugging Face model folder (config.json, model.safetensors, vocab)")
      .option("precision", "P", "int8 (AVX-512 VNNI), bf16 (AVX512_BF16) or fp32", "int8")
      .option("out", "FILE", "the .encore file to write (also -o FILE)")
      .option("isa", "LEVEL", "pack for avx512_vnni, avx512 or portable (default: this CPU's)")
      .option("texts", "FILE", "JSON Lines {\"text\", \"text_pair\"?} for the accuracy report")
      .option("max-texts", "N", "texts to use, 0 = no accuracy report", "1000")
      .flag("calibrate", "int8: calibrate the weights (GPTQ) on the built-in texts")
      .option("calibration-texts", "FILE", "JSON Lines {\"text\"} to calibrate on (implies --calibrate)")
      .option("calibration-count", "N", "calibration texts to use",
              std::to_string(api::kDefaultCalibrationTexts))
      .option("threads", "N", "threads for the report's forward passes, 0 = all cores", "0");
  auto argv_long = with_long_out(argc, argv);
  if (!args.parse(argc, argv_long.data())) return args.exit_code();
  if (!args.has("model")) throw_error("--model DIR is required");
  if (!args.has("out")) throw_error("-o FILE (--out) is required");
  if (!args.positional().empty()) throw_error("unexpected argument '", args.positional()[0], "'");
  const std::string model_dir = args.get("model");
  const std::string out = args.get("out");
  const auto max_texts = static_cast<size_t>(args.get_int("max-texts", 0, 1 << 24));
  const int threads = static_cast<int>(args.get_int("threads", 0, 4096));
  api::EncoreWriteOptions options;
  options.precision = engine::parse_engine_precision(args.get("precision"));
  options.level = read_isa(args);
  const auto calibration_count = static_cast<size_t>(args.get_int("calibration-count", 1, 1 << 24));
  const bool calibrate = args.get_flag("calibrate") || args.has("calibration-texts");
  if (calibrate && options.precision != engine::Precision::kInt8)
    throw_error("--calibrate applies to --precision int8 only");
  if (calibrate) {
    options.calibration_texts =
        args.has("calibration-texts")
            ? read_texts(read_text_file(args.get("calibration-texts")),
                         args.get("calibration-texts"), calibration_count)
            : read_texts(api::builtin_calibration_texts(), "built-in texts", calibration_count);
  }
  // Read the texts first: a bad --texts file should fail before minutes of packing.
  std::vector<AccuracyText> texts;
  if (max_texts > 0) {
    texts = args.has("texts")
                ? read_accuracy_texts(read_text_file(args.get("texts")), args.get("texts"), max_texts)
                : read_accuracy_texts(builtin_accuracy_texts(), "built-in texts", max_texts);
  }

  const auto start = Clock::now();
  std::fprintf(stderr, "optimize: packing %s for %s at %s\n", model_dir.c_str(),
               args.get("precision").c_str(), jit::isa_level_name(options.level).data());
  double calibration_seconds = 0, last_calibration_print = 0;
  if (!options.calibration_texts.empty()) {
    std::fprintf(stderr, "optimize: calibrating int8 weights on %zu texts\n",
                 options.calibration_texts.size());
    options.calibration_progress = [&](size_t done, size_t total) {
      const double elapsed = seconds_since(start);
      if (done == total) calibration_seconds = elapsed;
      if (elapsed - last_calibration_print < 3 && done != total) return;
      last_calibration_print = elapsed;
      std::fprintf(stderr, "optimize: calibration %zu/%zu texts, %.0f s elapsed%s\n", done, total,
                   elapsed, done == total ? "; quantizing with GPTQ" : "");
    };
  }
  api::write_encore_model(model_dir, options, out);
  if (!options.calibration_texts.empty()) {
    std::printf("calibrated int8 weights (GPTQ) on %zu texts: calibration %.1f s, GPTQ and packing "
                "%.1f s\n",
                options.calibration_texts.size(), calibration_seconds,
                seconds_since(start) - calibration_seconds);
  }
  std::printf("wrote %s: %s at %s, %.1f MB in %.1f s\n", out.c_str(), args.get("precision").c_str(),
              jit::isa_level_name(options.level).data(),
              static_cast<double>(std::filesystem::file_size(out)) / 1e6, seconds_since(start));
  std::fflush(stdout);
  if (texts.empty()) return 0;

  const auto reference =
      Model::load(model_dir, {.threads = threads, .precision = Precision::kFp32});
  const auto candidate = Model::load(out, {.threads = threads});
  const auto report_start = Clock::now();
  double last_print = 0;
  const AccuracyReport report =
      compare_models(reference, candidate, texts, [&](size_t done, size_t total) {
        print_progress(done, total, report_start, last_print);
      });
  const std::string text = format_accuracy_report(report, args.get("precision") + " (" + out + ")");
  std::fwrite(text.data(), 1, text.size(), stdout);
  return 0;
}

}  // namespace encore::cli
