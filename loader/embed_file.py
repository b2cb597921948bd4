"""Embeds a file's bytes in a C++ source: embed_file.py INPUT OUTPUT NAMESPACE::FUNCTION.

The generated function returns a std::string_view of the bytes, so the installed binary needs no
data files. A missing INPUT embeds nothing (the caller reports it at run time)."""
import os
import sys

source, output, qualified = sys.argv[1:4]
namespace, function = qualified.rsplit("::", 1)
data = open(source, "rb").read() if os.path.isfile(source) else b""
lines = [",".join(str(b) for b in data[i:i + 40]) for i in range(0, len(data), 40)]
body = ",\n".join(lines) if data else "0"
with open(output, "w") as out:
    out.write(f"// Generated from {os.path.basename(source)} by embed_file.py; do not edit.\n"
              f"#include <string_view>\nnamespace {namespace} {{\n"
              f"static const unsigned char kBytes[] = {{\n{body}}};\n"
              f"std::string_view {function}() {{\n"
              f"  return {{reinterpret_cast<const char*>(kBytes), {len(data)}}};\n}}\n}}\n")
