#include "tools/encore/args.h"

#include <charconv>
#include <cstdio>

#include "support/error.h"

namespace encore::cli {

Args::Args(std::string command, std::string usage, std::string description)
    : command_(std::move(command)), usage_(std::move(usage)), description_(std::move(description)) {}

Args& Args::option(const std::string& name, const std::string& value_name, const std::string& help,
                   const std::string& default_value) {
  options_[name] = Option{value_name.empty() ? "VALUE" : value_name, help, default_value};
  order_.push_back(name);
  return *this;
}

Args& Args::flag(const std::string& name, const std::string& help) {
  options_[name] = Option{"", help, ""};
  order_.push_back(name);
  return *this;
}

bool Args::parse(int argc, char** argv) {
  for (int i = 0; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      print_help();
      exit_code_ = 0;
      return false;
    }
    if (arg.rfind("--", 0) != 0 || arg == "--") {
      positional_.push_back(arg);
      continue;
    }
    std::string name = arg.substr(2);
    std::optional<std::string> inline_value;
    if (auto eq = name.find('='); eq != std::string::npos) {
      inline_value = name.substr(eq + 1);
      name.resize(eq);
    }
    auto it = options_.find(name);
    if (it == options_.end()) {
      std::fprintf(stderr, "encore %s: unknown option --%s (see encore %s --help)\n",
                   command_.c_str(), name.c_str(), command_.c_str());
      exit_code_ = 2;
      return false;
    }
    if (it->second.value_name.empty()) {
      if (inline_value) {
        std::fprintf(stderr, "encore %s: --%s takes no value\n", command_.c_str(), name.c_str());
        exit_code_ = 2;
        return false;
      }
      values_[name] = "1";
      continue;
    }
    if (inline_value) {
      values_[name] = *inline_value;
    } else if (i + 1 < argc) {
      values_[name] = argv[++i];
    } else {
      std::fprintf(stderr, "encore %s: --%s needs a value (%s)\n", command_.c_str(), name.c_str(),
                   it->second.value_name.c_str());
      exit_code_ = 2;
      return false;
    }
  }
  return true;
}

bool Args::has(const std::string& name) const { return values_.count(name) != 0; }

std::string Args::get(const std::string& name) const {
  if (auto it = values_.find(name); it != values_.end()) return it->second;
  if (auto it = options_.find(name); it != options_.end()) return it->second.default_value;
  return "";
}

static int64_t parse_int(const std::string& flag, const std::string& text, int64_t lo, int64_t hi) {
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) {
    throw_error("--", flag, ": '", text, "' is not an integer");
  }
  if (value < lo || value > hi) {
    throw_error("--", flag, ": ", value, " is out of range [", lo, ", ", hi, "]");
  }
  return value;
}

int64_t Args::get_int(const std::string& name, int64_t lo, int64_t hi) const {
  return parse_int(name, get(name), lo, hi);
}

std::vector<int64_t> Args::get_int_list(const std::string& name, int64_t lo, int64_t hi) const {
  std::vector<int64_t> out;
  std::string text = get(name);
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    out.push_back(parse_int(name, text.substr(start, comma - start), lo, hi));
    start = comma + 1;
  }
  return out;
}

void Args::print_help() const {
  std::printf("usage: %s\n\n%s\n", usage_.c_str(), description_.c_str());
  if (!order_.empty()) std::printf("\noptions:\n");
  for (const auto& name : order_) {
    const Option& o = options_.at(name);
    std::string left = "--" + name + (o.value_name.empty() ? "" : " " + o.value_name);
    std::printf("  %-28s %s", left.c_str(), o.help.c_str());
    if (!o.default_value.empty()) std::printf(" (default: %s)", o.default_value.c_str());
    std::printf("\n");
  }
  std::printf("  %-28s %s\n", "--help", "show this help");
}

}  // namespace encore::cli
