// `encore bench --sweep`: cmd_bench hands over when it sees --sweep.
#pragma once

namespace encore::cli {

int cmd_bench_sweep(int argc, char** argv);

}  // namespace encore::cli
