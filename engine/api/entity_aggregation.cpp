#include "engine/api/entity_aggregation.h"

#include <algorithm>

namespace encore::api {
namespace {

// A token or word with its chosen label, before B-/I- grouping.
struct Labeled {
  int32_t label_id = 0;
  float score = 0;
  std::string word;
  Offset offset;
  int32_t index = -1;
};

// numpy's argmax: the first maximum.
size_t argmax(std::span<const float> values) {
  return static_cast<size_t>(std::max_element(values.begin(), values.end()) - values.begin());
}

float max_score(const PreEntity& token) {
  return token.scores[argmax(token.scores)];
}

void replace_all(std::string& text, std::string_view from, std::string_view to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
}

// tokenizers' wordpiece.rs `cleanup`, in its order.
void cleanup(std::string& piece) {
  replace_all(piece, " .", ".");
  replace_all(piece, " ?", "?");
  replace_all(piece, " !", "!");
  replace_all(piece, " ,", ",");
  replace_all(piece, " ' ", "'");
  replace_all(piece, " n't", "n't");
  replace_all(piece, " 'm", "'m");
  replace_all(piece, " do not", " don't");
  replace_all(piece, " 's", "'s");
  replace_all(piece, " 've", "'ve");
  replace_all(piece, " 're", "'re");
}

// transformers' aggregate_word: the pieces of one word get one label.
Labeled aggregate_word(std::span<const PreEntity> pieces, Aggregation aggregation,
                       std::string_view prefix, std::vector<float>& average) {
  std::vector<std::string_view> words;
  for (const auto& piece : pieces) words.push_back(piece.word);
  Labeled result;
  result.word = join_wordpieces(words, prefix);
  result.offset = {pieces.front().offset.begin, pieces.back().offset.end};
  std::span<const float> scores;
  if (aggregation == Aggregation::kFirst) {
    scores = pieces.front().scores;
  } else if (aggregation == Aggregation::kMax) {
    const PreEntity* best = &pieces.front();
    for (const auto& piece : pieces) {
      if (max_score(piece) > max_score(*best)) best = &piece;
    }
    scores = best->scores;
  } else {  // kAverage
    average.assign(pieces.front().scores.size(), 0.0f);
    for (const auto& piece : pieces) {
      for (size_t i = 0; i < average.size(); ++i) average[i] += piece.scores[i];
    }
    for (float& value : average) value /= static_cast<float>(pieces.size());
    scores = average;
  }
  result.label_id = static_cast<int32_t>(argmax(scores));
  result.score = scores[result.label_id];
  return result;
}

// transformers' aggregate_words: a new word starts at every token that is not a subword.
void aggregate_words(std::span<const PreEntity> tokens, Aggregation aggregation,
                     std::string_view prefix, std::vector<Labeled>& out) {
  std::vector<float> average;
  size_t word_begin = 0;
  for (size_t i = 1; i <= tokens.size(); ++i) {
    if (i < tokens.size() && tokens[i].is_subword) continue;
    out.push_back(
        aggregate_word(tokens.subspan(word_begin, i - word_begin), aggregation, prefix, average));
    word_begin = i;
  }
}

struct Tag {
  bool begins = false;  // "B-"
  std::string_view name;
};

// transformers' get_tag: "B-X"/"I-X" → X; anything else is an "I" continuation of itself.
Tag get_tag(std::string_view label) {
  if (label.starts_with("B-")) return {true, label.substr(2)};
  if (label.starts_with("I-")) return {false, label.substr(2)};
  return {false, label};
}

// transformers' group_sub_entities: the group is named after the first label's text following
// its last '-', its score is the mean score, its word the joined words.
Entity group_sub_entities(std::span<const Labeled> members, std::span<const std::string> labels,
                          std::string_view prefix) {
  const std::string& first_label = labels[members.front().label_id];
  Entity group;
  group.entity = first_label.substr(first_label.rfind('-') + 1);  // npos + 1 == 0
  std::vector<std::string_view> words;
  float sum = 0;
  for (const auto& member : members) {
    sum += member.score;
    words.push_back(member.word);
  }
  group.score = sum / static_cast<float>(members.size());
  group.word = join_wordpieces(words, prefix);
  group.start = members.front().offset.begin;
  group.end = members.back().offset.end;
  return group;
}

// transformers' group_entities: adjacent results with the same tag join unless the newer one
// begins an entity ("B-").
void group_entities(std::span<const Labeled> entities, std::span<const std::string> labels,
                    std::string_view prefix, std::vector<Entity>& out) {
  size_t group_begin = 0;
  for (size_t i = 1; i <= entities.size(); ++i) {
    if (i < entities.size()) {
      const Tag tag = get_tag(labels[entities[i].label_id]);
      const Tag last = get_tag(labels[entities[i - 1].label_id]);
      if (tag.name == last.name && !tag.begins) continue;
    }
    out.push_back(
        group_sub_entities(entities.subspan(group_begin, i - group_begin), labels, prefix));
    group_begin = i;
  }
}

bool ignored(std::string_view label, std::span<const std::string> ignore_labels) {
  return std::find(ignore_labels.begin(), ignore_labels.end(), label) != ignore_labels.end();
}

}  // namespace

std::string join_wordpieces(std::span<const std::string_view> pieces, std::string_view prefix) {
  std::string joined, piece;
  for (size_t i = 0; i < pieces.size(); ++i) {
    piece.clear();
    if (i == 0) {
      piece = pieces[i];
    } else if (!prefix.empty() && pieces[i].starts_with(prefix)) {
      piece = pieces[i].substr(prefix.size());
    } else {
      piece.append(" ").append(pieces[i]);
    }
    cleanup(piece);
    joined += piece;
  }
  return joined;
}

void aggregate_entities(std::span<const PreEntity> tokens, Aggregation aggregation,
                        std::span<const std::string> labels,
                        std::span<const std::string> ignore_labels, std::string_view prefix,
                        std::vector<Entity>& out) {
  out.clear();
  std::vector<Labeled> labeled;
  if (aggregation == Aggregation::kNone || aggregation == Aggregation::kSimple) {
    for (const auto& token : tokens) {
      const auto label_id = static_cast<int32_t>(argmax(token.scores));
      labeled.push_back(
          {label_id, token.scores[label_id], std::string(token.word), token.offset, token.index});
    }
  } else if (!tokens.empty()) {
    aggregate_words(tokens, aggregation, prefix, labeled);
  }

  if (aggregation == Aggregation::kNone) {
    for (auto& token : labeled) {
      const std::string& label = labels[token.label_id];
      if (ignored(label, ignore_labels)) continue;
      out.push_back({label, token.score, std::move(token.word), token.offset.begin,
                     token.offset.end, token.index});
    }
    return;
  }
  group_entities(labeled, labels, prefix, out);
  std::erase_if(out, [&](const Entity& group) { return ignored(group.entity, ignore_labels); });
}

}  // namespace encore::api
