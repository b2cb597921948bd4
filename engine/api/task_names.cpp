// The names of encore's enums on the command line and in HTTP requests.
#include <array>
#include <string>
#include <utility>

#include "encore/encore.h"
#include "support/error.h"

namespace encore {
namespace {

template <typename Enum, size_t N>
using NameTable = std::array<std::pair<Enum, std::string_view>, N>;

constexpr NameTable<Task, 4> kTasks = {{{Task::kClassify, "classify"},
                                        {Task::kTokens, "tokens"},
                                        {Task::kEmbed, "embed"},
                                        {Task::kRank, "rank"}}};
constexpr NameTable<ClassificationFunction, 3> kFunctions = {
    {{ClassificationFunction::kSoftmax, "softmax"},
     {ClassificationFunction::kSigmoid, "sigmoid"},
     {ClassificationFunction::kNone, "none"}}};
constexpr NameTable<Aggregation, 5> kAggregations = {{{Aggregation::kNone, "none"},
                                                      {Aggregation::kSimple, "simple"},
                                                      {Aggregation::kFirst, "first"},
                                                      {Aggregation::kAverage, "average"},
                                                      {Aggregation::kMax, "max"}}};
constexpr NameTable<Pooling, 3> kPoolings = {
    {{Pooling::kCls, "cls"}, {Pooling::kMean, "mean"}, {Pooling::kTokens, "tokens"}}};
constexpr NameTable<Precision, 3> kPrecisions = {
    {{Precision::kFp32, "fp32"}, {Precision::kBf16, "bf16"}, {Precision::kInt8, "int8"}}};

template <typename Enum, size_t N>
std::string_view name_of(const NameTable<Enum, N>& table, Enum value) {
  for (const auto& [entry, name] : table) {
    if (entry == value) return name;
  }
  return "?";
}

template <typename Enum, size_t N>
Enum parse(const NameTable<Enum, N>& table, std::string_view what, std::string_view name) {
  std::string valid;
  for (const auto& [entry, entry_name] : table) {
    if (entry_name == name) return entry;
    valid.append(valid.empty() ? "" : ", ").append(entry_name);
  }
  throw_error("unknown ", what, " '", name, "' (valid: ", valid, ")");
}

}  // namespace

std::string_view task_name(Task task) {
  return name_of(kTasks, task);
}
Task parse_task(std::string_view name) {
  return parse(kTasks, "task", name);
}
std::string_view function_name(ClassificationFunction function) {
  return name_of(kFunctions, function);
}
ClassificationFunction parse_function(std::string_view name) {
  return parse(kFunctions, "function_to_apply", name);
}
std::string_view aggregation_name(Aggregation aggregation) {
  return name_of(kAggregations, aggregation);
}
Aggregation parse_aggregation(std::string_view name) {
  return parse(kAggregations, "aggregation_strategy", name);
}
std::string_view pooling_name(Pooling pooling) {
  return name_of(kPoolings, pooling);
}
Pooling parse_pooling(std::string_view name) {
  return parse(kPoolings, "pooling", name);
}
Precision parse_precision(std::string_view name) {
  return parse(kPrecisions, "precision", name);
}

}  // namespace encore
