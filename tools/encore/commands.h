// One function per `encore` subcommand; each lives in its own cmd_*.cpp and receives the
// arguments after the subcommand name. Each returns the process exit code.
#pragma once

namespace encore::cli {

int cmd_tokenize(int argc, char** argv);
int cmd_predict(int argc, char** argv);
int cmd_bench(int argc, char** argv);
int cmd_demo_model(int argc, char** argv);
int cmd_serve(int argc, char** argv);
int cmd_optimize(int argc, char** argv);

}  // namespace encore::cli
