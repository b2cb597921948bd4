// embed_classify — the smallest application that embeds encore: load a model folder once, make a
// Session, classify each command-line argument and print its labels.
//
//   embed_classify MODEL_DIR "I love this" "I hate this"
#include <cstdio>
#include <string>
#include <vector>

#include "encore/encore.h"

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s MODEL_DIR TEXT [TEXT ...]\n", argv[0]);
    return 2;
  }
  try {
    // One Model per process (weights are shared); one Session per thread that runs requests.
    const auto model = encore::Model::load(argv[1], {.threads = 1});
    encore::Session session(model);

    // All texts run as one padded batch; `results` can be reused for the next batch.
    std::vector<encore::Input> inputs;
    for (int i = 2; i < argc; ++i) inputs.push_back(encore::Input::of_text(argv[i]));
    encore::ClassifyOptions options;
    options.top_k = 3;
    options.truncate = true;
    std::vector<std::vector<encore::LabelScore>> results;
    session.classify(inputs, options, results);

    for (size_t i = 0; i < inputs.size(); ++i) {
      std::printf("%s\n", argv[i + 2]);
      for (const auto& [label_id, label, score] : results[i]) {
        std::printf("  %-12.*s %.4f\n", static_cast<int>(label.size()), label.data(), score);
      }
    }
  } catch (const encore::Error& e) {  // bad input: the message says what was wrong
    std::fprintf(stderr, "embed_classify: %s\n", e.what());
    return 1;
  }
  return 0;
}
