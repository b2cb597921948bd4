// A small, strict command-line parser shared by every subcommand: `--name value`, `--name=value`
// and boolean `--flag`; unknown flags and missing values are errors that name the flag; `--help`
// prints the usage text generated from the declared options.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace encore::cli {

class Args {
 public:
  // `usage` is the first line of --help, e.g. "encore tokenize --model DIR < in.jsonl".
  Args(std::string command, std::string usage, std::string description);

  // Declares an option taking a value; `default_value` empty means "no default".
  Args& option(const std::string& name, const std::string& value_name, const std::string& help,
               const std::string& default_value = "");
  // Declares a boolean flag.
  Args& flag(const std::string& name, const std::string& help);

  // Parses argv (after the subcommand). Returns false when the command should exit: after
  // printing --help (exit_code() == 0) or an error (exit_code() == 2).
  bool parse(int argc, char** argv);
  int exit_code() const { return exit_code_; }

  bool has(const std::string& name) const;
  std::string get(const std::string& name) const;  // value or default ("" if neither)
  // Throws encore::Error with the flag's name when the value is not a number in [lo, hi].
  int64_t get_int(const std::string& name, int64_t lo, int64_t hi) const;
  std::vector<int64_t> get_int_list(const std::string& name, int64_t lo, int64_t hi) const;
  bool get_flag(const std::string& name) const { return has(name); }
  const std::vector<std::string>& positional() const { return positional_; }

  void print_help() const;

 private:
  struct Option {
    std::string value_name;  // empty for a boolean flag
    std::string help;
    std::string default_value;
  };
  std::string command_, usage_, description_;
  std::vector<std::string> order_;
  std::map<std::string, Option> options_;
  std::map<std::string, std::string> values_;
  std::vector<std::string> positional_;
  int exit_code_ = 0;
};

}  // namespace encore::cli
