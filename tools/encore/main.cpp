// encore — one binary, one subcommand per job. Each subcommand lives in its own cmd_*.cpp.
#include <cstdio>
#include <cstring>
#include <exception>

#include "support/error.h"
#include "tools/encore/commands.h"

namespace {

struct Command {
  const char* name;
  int (*run)(int argc, char** argv);
  const char* summary;
};

constexpr Command kCommands[] = {
    {"serve", encore::cli::cmd_serve, "serve one model and one task over HTTP"},
    {"predict", encore::cli::cmd_predict, "run a model on texts or ids and print JSON"},
    {"tokenize", encore::cli::cmd_tokenize, "tokenize JSON Lines from stdin (WordPiece)"},
    {"bench", encore::cli::cmd_bench, "time the model alone and print latency CSV"},
    {"demo-model", encore::cli::cmd_demo_model, "write a random-weight DistilBERT folder"},
    {"optimize", encore::cli::cmd_optimize, "pre-pack a model into an mmap-ready .encore file"},
};

void print_usage(FILE* to) {
  std::fprintf(to, "usage: encore COMMAND [options]   (encore COMMAND --help for details)\n\n");
  for (const auto& c : kCommands) std::fprintf(to, "  %-12s %s\n", c.name, c.summary);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0) {
    print_usage(argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  for (const auto& c : kCommands) {
    if (std::strcmp(argv[1], c.name) != 0) continue;
    try {
      return c.run(argc - 2, argv + 2);
    } catch (const encore::Error& e) {
      std::fprintf(stderr, "encore %s: error: %s\n", c.name, e.what());
      return 1;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "encore %s: internal error: %s\n", c.name, e.what());
      return 70;
    }
  }
  std::fprintf(stderr, "encore: unknown command '%s'\n\n", argv[1]);
  print_usage(stderr);
  return 2;
}
