// encore predict — runs a model on one text (or pair) and prints the pipeline's JSON, or, with
// --jsonl, runs each stdin line ({"text", "text_pair"} or {"ids"}) and prints its raw outputs.
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <string>

#include <simdjson.h>

#include "encore/encore.h"
#include "engine/api/task_json.h"
#include "support/error.h"
#include "support/json_writer.h"
#include "tools/encore/args.h"
#include "tools/encore/commands.h"

namespace encore::cli {
namespace {

struct PredictOptions {
  Task task = Task::kClassify;
  ClassifyOptions classify;
  TokenOptions tokens;
  EmbedOptions embed;
  RankOptions rank;
};

std::vector<std::string> split_commas(const std::string& text) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= text.size() && !text.empty()) {
    size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    parts.push_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  return parts;
}

PredictOptions read_options(const Args& args, const Model& model) {
  PredictOptions options;
  const std::string task = args.get("task");
  options.task = task == "auto" ? model.default_task() : parse_task(task);
  if (!model.supports(options.task)) {
    throw_error("--task ", task_name(options.task), ": the model at ", model.path(), " is a ",
                model.architecture(), " (its task is ", task_name(model.default_task()), ")");
  }
  const bool truncate = args.get_flag("truncate");
  const std::string top_k = args.get("top-k");
  if (top_k == "all") {
    options.classify.top_k.reset();
  } else {
    options.classify.top_k = args.get_int("top-k", 0, 1 << 20);
  }
  if (args.has("function")) options.classify.function = parse_function(args.get("function"));
  options.classify.truncate = truncate;
  options.tokens.aggregation = parse_aggregation(args.get("aggregation"));
  options.tokens.ignore_labels = split_commas(args.get("ignore-labels"));
  options.tokens.truncate = truncate;
  options.embed.pooling = parse_pooling(args.get("pooling"));
  options.embed.normalize = args.get_flag("normalize");
  options.embed.truncate = truncate;
  options.rank.raw_scores = args.get_flag("raw-scores");
  options.rank.truncate = truncate;
  return options;
}

void predict_text(Session& session, const PredictOptions& options,
                  const std::vector<std::string>& texts, std::string& out) {
  if (texts.empty() || texts.size() > 2) {
    throw_error("expected TEXT [TEXT_PAIR] (or --jsonl), got ", texts.size(), " arguments");
  }
  const Input input =
      texts.size() == 2 ? Input::of_pair(texts[0], texts[1]) : Input::of_text(texts[0]);
  JsonWriter json(out);
  switch (options.task) {
    case Task::kClassify: {
      std::vector<std::vector<LabelScore>> labels;
      session.classify({&input, 1}, options.classify, labels);
      api::write_labels(json, labels[0]);
      break;
    }
    case Task::kTokens: {
      std::vector<std::vector<Entity>> entities;
      session.classify_tokens({&input, 1}, options.tokens, entities);
      api::write_entities(json, entities[0], options.tokens.aggregation);
      break;
    }
    case Task::kEmbed: {
      std::vector<Embedding> embeddings;
      session.embed({&input, 1}, options.embed, embeddings);
      api::write_embedding(json, embeddings[0], options.embed.pooling);
      break;
    }
    case Task::kRank: {
      if (texts.size() != 2) throw_error("--task rank needs QUERY and PASSAGE");
      const std::string_view passage = texts[1];
      std::vector<RankScore> scores;
      session.rank(texts[0], {&passage, 1}, options.rank, scores);
      api::write_ranking(json, scores);
      break;
    }
  }
}

// Parses one --jsonl line into `input` (views into `doc`'s buffer and `ids`).
void parse_line(simdjson::ondemand::parser& parser, const simdjson::padded_string& line,
                std::vector<int32_t>& ids, std::string& text, std::string& pair, Input& input) {
  simdjson::ondemand::document doc;
  simdjson::ondemand::object object;
  if (parser.iterate(line).get(doc) || doc.get_object().get(object)) {
    throw_error("not a JSON object");
  }
  input = {};
  bool has_text = false, has_ids = false;
  for (auto field : object) {
    std::string_view key;
    if (field.unescaped_key().get(key)) throw_error("bad JSON key");
    if (key == "text" || key == "text_pair") {
      std::string_view value;
      if (field.value().get_string().get(value)) throw_error("'", key, "' must be a string");
      if (key == "text") {
        text = value;
        has_text = true;
      } else {
        pair = value;
        input.text_pair = pair;
      }
    } else if (key == "ids") {
      simdjson::ondemand::array array;
      if (field.value().get_array().get(array)) throw_error("'ids' must be an array of integers");
      ids.clear();
      for (auto element : array) {
        int64_t id;
        if (element.get_int64().get(id) || id < 0 || id > INT32_MAX) {
          throw_error("'ids' must hold integers in [0, 2^31)");
        }
        ids.push_back(static_cast<int32_t>(id));
      }
      has_ids = true;
    }
  }
  if (has_text == has_ids) throw_error("a line needs either \"text\" or \"ids\"");
  if (has_ids && input.text_pair) throw_error("\"text_pair\" goes with \"text\", not \"ids\"");
  if (has_ids) {
    if (ids.empty()) throw_error("'ids' is empty");
    input.ids = ids;
  } else {
    input.text = text;
  }
}

void predict_jsonl(Session& session, bool truncate, bool with_hidden_state) {
  simdjson::ondemand::parser parser;
  std::vector<int32_t> ids;
  std::string line, text, pair, out;
  for (size_t line_number = 1; std::getline(std::cin, line); ++line_number) {
    out.clear();
    JsonWriter json(out);
    try {
      Input input;
      parse_line(parser, simdjson::padded_string(line), ids, text, pair, input);
      const RawOutput raw = session.forward({&input, 1}, truncate);
      api::write_raw_row(json, raw, 0, with_hidden_state);
    } catch (const Error& e) {
      out.clear();
      JsonWriter error_json(out);
      error_json.begin_object().key("error").value("line " + std::to_string(line_number) + ": " +
                                                   e.what());
      error_json.end_object();
    }
    out.push_back('\n');
    std::fwrite(out.data(), 1, out.size(), stdout);
  }
}

}  // namespace

int cmd_predict(int argc, char** argv) {
  Args args("predict", "encore predict --model DIR [options] TEXT [TEXT_PAIR]   (or --jsonl < in)",
            "Runs the model on TEXT (or the pair) and prints the Hugging Face pipeline's JSON:\n"
            "classify [{\"label\",\"score\"}], tokens [{\"entity\"|\"entity_group\",\"score\","
            "\"word\",\"start\",\"end\"}],\nembed [x, ...], rank [{\"index\",\"score\"}] "
            "(TEXT = query, TEXT_PAIR = passage).\n"
            "With --jsonl, reads lines {\"text\", \"text_pair\"?} or {\"ids\"} from stdin and "
            "writes one line each\nwith the raw outputs: ids plus logits, token_logits or "
            "last_hidden_state; a bad line gets\n{\"error\": ...} and the run continues.");
  args.option("model", "DIR|FILE", "Hugging Face model folder, or a .encore file (encore optimize)")
      .option("threads", "N", "threads for the forward pass, 0 = all cores", "0")
      .option("precision", "P", "fp32, bf16 or int8 (a .encore file keeps its own)", "fp32")
      .option("task", "T", "auto (from the architecture), classify, tokens, embed or rank", "auto")
      .option("top-k", "K", "classify: labels to return, or 'all'", "1")
      .option("function", "F", "classify: softmax, sigmoid or none (default: from config.json)")
      .option("aggregation", "A", "tokens: none, simple, first, average or max", "none")
      .option("ignore-labels", "L,..", "tokens: labels to leave out (empty: none)", "O")
      .option("pooling", "P", "embed: cls, mean, or tokens (every token state)", "cls")
      .flag("normalize", "embed: L2-normalize the vectors")
      .flag("raw-scores", "rank: the logit instead of sigmoid/softmax")
      .flag("truncate", "cut inputs longer than the model's maximum instead of failing")
      .flag("jsonl", "read JSON Lines from stdin, print raw outputs")
      .flag("hidden-states", "--jsonl: add last_hidden_state for classification heads too");
  if (!args.parse(argc, argv)) return args.exit_code();
  if (!args.has("model")) throw_error("--model DIR is required");

  const ModelOptions model_options{
      .threads = static_cast<int>(args.get_int("threads", 0, 4096)),
      .precision = parse_precision(args.get("precision")),
  };
  const auto model = Model::load(args.get("model"), model_options);
  const PredictOptions options = read_options(args, *model);
  if (args.get_flag("jsonl") && !args.positional().empty()) {
    throw_error("--jsonl reads stdin; drop the TEXT arguments");
  }
  Session session(model);
  if (args.get_flag("jsonl")) {
    predict_jsonl(session, args.get_flag("truncate"), args.get_flag("hidden-states"));
    return 0;
  }
  std::string out;
  predict_text(session, options, args.positional(), out);
  out.push_back('\n');
  std::fwrite(out.data(), 1, out.size(), stdout);
  return 0;
}

}  // namespace encore::cli
