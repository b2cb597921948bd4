#include "loader/model_config.h"

#include <simdjson.h>

#include <array>
#include <filesystem>
#include <string_view>

#include "support/error.h"
#include "support/mapped_file.h"

namespace encore::loader {
namespace {

struct ArchitectureName {
  std::string_view name;
  Architecture architecture;
};

// DistilBertForMaskedLM checkpoints (distilbert-base-uncased itself) serve feature extraction: the
// encoder is used and the language-model head ignored, as transformers' AutoModel does.
constexpr std::array<ArchitectureName, 4> kArchitectures = {{
    {"DistilBertForSequenceClassification", Architecture::kSequenceClassification},
    {"DistilBertForTokenClassification", Architecture::kTokenClassification},
    {"DistilBertModel", Architecture::kBaseModel},
    {"DistilBertForMaskedLM", Architecture::kBaseModel},
}};

// Bounds that no real DistilBERT approaches (distilbert-base: 30522 / 768 / 12 / 6 / 3072 / 512),
// so a hostile config cannot make the engine size terabyte arenas.
struct Limit {
  const char* field;
  int64_t ModelConfig::*member;
  int64_t default_value;  // DistilBertConfig's default when the field is absent
  int64_t min, max;
};
constexpr std::array<Limit, 6> kSizeFields = {{
    {"vocab_size", &ModelConfig::vocab_size, 30522, 1, 1 << 20},
    {"dim", &ModelConfig::dim, 768, 1, 8192},
    {"n_layers", &ModelConfig::n_layers, 6, 1, 128},
    {"n_heads", &ModelConfig::n_heads, 12, 1, 256},
    {"hidden_dim", &ModelConfig::hidden_dim, 3072, 1, 65536},
    {"max_position_embeddings", &ModelConfig::max_position_embeddings, 512, 1, 65536},
}};
constexpr int64_t kMaxLabels = 1 << 16;

class ConfigParser {
 public:
  ConfigParser(simdjson::dom::object root, const std::string& source)
      : root_(root), source_(source) {}

  ModelConfig parse() {
    ModelConfig config;
    std::string_view model_type;
    if (optional_string("model_type", model_type) && model_type != "distilbert") {
      fail("model_type is '", model_type, "'; encore runs DistilBERT only");
    }
    parse_architecture(config);
    for (const Limit& limit : kSizeFields) {
      int64_t value = optional_int(limit.field, limit.default_value);
      if (value < limit.min || value > limit.max) {
        fail("field '", limit.field, "' is ", value, "; expected ", limit.min, "..", limit.max);
      }
      config.*limit.member = value;
    }
    if (config.dim % config.n_heads != 0) {
      fail("dim ", config.dim, " is not divisible by n_heads ", config.n_heads);
    }
    config.pad_token_id = optional_int("pad_token_id", 0);
    if (config.pad_token_id < 0 || config.pad_token_id >= config.vocab_size) {
      fail("pad_token_id ", config.pad_token_id, " is outside the vocabulary [0, ",
           config.vocab_size, ")");
    }
    config.sinusoidal_pos_embds = optional_bool("sinusoidal_pos_embds", false);
    std::string_view activation = "gelu";
    optional_string("activation", activation);
    if (activation != "gelu" && activation != "relu") {
      fail("activation '", activation, "' is not supported (gelu or relu)");
    }
    config.activation = std::string(activation);
    config.problem_type = parse_problem_type();
    if (config.architecture != Architecture::kBaseModel) config.labels = parse_labels();
    return config;
  }

 private:
  void parse_architecture(ModelConfig& config) {
    simdjson::dom::element value;
    if (root_["architectures"].get(value)) {  // absent: the bare encoder, as AutoModel loads it
      config.architecture = Architecture::kBaseModel;
      config.architecture_name = "DistilBertModel";
      return;
    }
    simdjson::dom::array list;
    std::string_view name;
    if (value.get(list) || list.size() != 1 || list.at(0).get(name)) {
      fail("field 'architectures' must be a list of one name");
    }
    for (const ArchitectureName& known : kArchitectures) {
      if (known.name != name) continue;
      config.architecture = known.architecture;
      config.architecture_name = std::string(name);
      return;
    }
    std::string supported;
    for (const ArchitectureName& known : kArchitectures) {
      supported += (supported.empty() ? "" : ", ") + std::string(known.name);
    }
    fail("architecture '", name, "' is not supported; encore runs ", supported);
  }

  ProblemType parse_problem_type() {
    simdjson::dom::element value;
    if (root_["problem_type"].get(value) || value.is_null()) return ProblemType::kUnspecified;
    std::string_view name;
    if (value.get(name)) fail("field 'problem_type' must be a string");
    if (name == "single_label_classification") return ProblemType::kSingleLabelClassification;
    if (name == "multi_label_classification") return ProblemType::kMultiLabelClassification;
    if (name == "regression") return ProblemType::kRegression;
    fail("problem_type '", name,
         "' is not one of single_label_classification, "
         "multi_label_classification, regression");
  }

  // id2label's keys are decimal strings; labels come out in id order. Without id2label,
  // transformers names num_labels (default 2) labels LABEL_0, LABEL_1, ...
  std::vector<std::string> parse_labels() {
    simdjson::dom::element num_labels_value;
    int64_t num_labels = -1;
    if (!root_["num_labels"].get(num_labels_value)) {
      if (num_labels_value.get(num_labels) || num_labels < 1 || num_labels > kMaxLabels) {
        fail("field 'num_labels' must be an integer in 1..", kMaxLabels);
      }
    }
    simdjson::dom::element id2label_value;
    if (root_["id2label"].get(id2label_value)) {
      std::vector<std::string> labels(num_labels < 0 ? 2 : num_labels);
      for (size_t i = 0; i < labels.size(); ++i) labels[i] = "LABEL_" + std::to_string(i);
      return labels;
    }
    simdjson::dom::object id2label;
    if (id2label_value.get(id2label)) fail("field 'id2label' must be an object");
    const size_t count = id2label.size();
    if (count == 0 || count > kMaxLabels) fail("id2label must hold 1..", kMaxLabels, " labels");
    std::vector<std::string> labels(count);
    std::vector<bool> seen(count, false);
    for (auto [key, label] : id2label) {
      size_t id = parse_id(key);
      if (id >= count) fail("id2label key '", key, "' is not an id in 0..", count - 1);
      if (seen[id]) fail("id2label has id ", id, " twice");
      std::string_view text;
      if (label.get(text)) fail("id2label['", key, "'] must be a string");
      seen[id] = true;
      labels[id] = std::string(text);
    }
    if (num_labels >= 0 && num_labels != static_cast<int64_t>(count)) {
      fail("num_labels ", num_labels, " disagrees with the ", count, " labels of id2label");
    }
    return labels;
  }

  size_t parse_id(std::string_view key) {
    if (key.empty() || key.size() > 9) fail("id2label key '", key, "' is not an integer id");
    size_t id = 0;
    for (char c : key) {
      if (c < '0' || c > '9') fail("id2label key '", key, "' is not an integer id");
      id = id * 10 + static_cast<size_t>(c - '0');
    }
    return id;
  }

  int64_t optional_int(const char* field, int64_t default_value) {
    simdjson::dom::element value;
    if (root_[field].get(value)) return default_value;
    int64_t number = 0;
    if (value.get(number)) fail("field '", field, "' must be an integer");
    return number;
  }

  bool optional_bool(const char* field, bool default_value) {
    simdjson::dom::element value;
    if (root_[field].get(value)) return default_value;
    bool flag = false;
    if (value.get(flag)) fail("field '", field, "' must be true or false");
    return flag;
  }

  bool optional_string(const char* field, std::string_view& out) {
    simdjson::dom::element value;
    if (root_[field].get(value)) return false;
    if (value.get(out)) fail("field '", field, "' must be a string");
    return true;
  }

  template <typename... Parts>
  [[noreturn]] void fail(const Parts&... parts) const {
    throw_error(source_, ": ", parts...);
  }

  simdjson::dom::object root_;
  const std::string& source_;
};

}  // namespace

ModelConfig parse_model_config(std::string_view json, const std::string& source) {
  simdjson::dom::parser parser;
  simdjson::dom::object root;
  if (auto error = parser.parse(json.data(), json.size()).get(root)) {
    throw_error(source, ": not a JSON object: ", simdjson::error_message(error));
  }
  return ConfigParser(root, source).parse();
}

ModelConfig load_model_config(const std::string& model_dir) {
  const std::string path = (std::filesystem::path(model_dir) / "config.json").string();
  std::error_code ec;
  if (!std::filesystem::is_directory(model_dir, ec))
    throw_error(model_dir, ": model folder not found");
  if (!std::filesystem::is_regular_file(path, ec)) throw_error(path, ": not found");
  return parse_model_config(read_text_file(path), path);
}

}  // namespace encore::loader
