// Placeholder until its issue lands: says so instead of pretending to work.
#include <cstdio>

#include "tools/encore/commands.h"

namespace encore::cli {

int cmd_demo_model(int, char**) {
  std::fprintf(stderr, "encore: this command is not implemented yet\n");
  return 2;
}

}  // namespace encore::cli
