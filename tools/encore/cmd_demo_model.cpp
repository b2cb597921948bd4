// encore demo-model: writes a random-weight DistilBERT folder (real vocabulary) so every other
// command can be tried with no download. The weights are random: predictions are meaningless.
#include <cstdio>
#include <limits>
#include <sstream>

#include "loader/demo_model.h"
#include "support/error.h"
#include "tools/encore/args.h"
#include "tools/encore/commands.h"

namespace encore::cli {
namespace {

loader::Architecture parse_task(const std::string& task) {
  if (task == "sequence") return loader::Architecture::kSequenceClassification;
  if (task == "token") return loader::Architecture::kTokenClassification;
  if (task == "base") return loader::Architecture::kBaseModel;
  throw_error("--task: '", task, "' is not one of sequence, token, base");
}

std::vector<std::string> split_labels(const std::string& text) {
  std::vector<std::string> labels;
  std::istringstream in(text);
  for (std::string label; std::getline(in, label, ',');) {
    if (label.empty()) throw_error("--labels: empty label in '", text, "'");
    labels.push_back(label);
  }
  return labels;
}

}  // namespace

int cmd_demo_model(int argc, char** argv) {
  Args args("demo-model", "encore demo-model --out DIR [options]",
            "Writes a DistilBERT folder in Hugging Face layout (config.json, model.safetensors, "
            "vocab.txt,\ntokenizer_config.json, README.md) with RANDOM weights and the real "
            "bert-base-uncased\nvocabulary: for trying encore without a download. Its predictions "
            "are meaningless.\nThe same --seed writes the same weights.");
  args.option("out", "DIR", "folder to write (created if needed)")
      .option("task", "TASK", "sequence (classification), token (classification) or base",
              "sequence")
      .option("seed", "N", "random seed", "0")
      .option("dim", "N", "hidden size", "768")
      .option("heads", "N", "attention heads (must divide --dim)", "12")
      .option("layers", "N", "transformer layers", "6")
      .option("hidden", "N", "feed-forward size", "3072")
      .option("max-pos", "N", "maximum sequence length", "512")
      .option("labels", "A,B,...",
              "class labels (default: emotion labels for sequence, CoNLL NER for token)");
  if (!args.parse(argc, argv)) return args.exit_code();
  if (!args.has("out")) throw_error("--out DIR is required");

  loader::DemoModelOptions options;
  options.architecture = parse_task(args.get("task"));
  options.seed =
      static_cast<uint64_t>(args.get_int("seed", 0, std::numeric_limits<int64_t>::max()));
  options.dim = args.get_int("dim", 1, 8192);
  options.n_heads = args.get_int("heads", 1, 256);
  options.n_layers = args.get_int("layers", 1, 128);
  options.hidden_dim = args.get_int("hidden", 1, 65536);
  options.max_position_embeddings = args.get_int("max-pos", 1, 65536);
  if (args.has("labels")) options.labels = split_labels(args.get("labels"));

  loader::write_demo_model(args.get("out"), options);
  std::fprintf(stderr, "wrote %s: a DistilBERT with RANDOM weights (predictions are meaningless)\n",
               args.get("out").c_str());
  return 0;
}

}  // namespace encore::cli
