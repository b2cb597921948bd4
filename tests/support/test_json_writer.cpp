#include <doctest/doctest.h>
#include <simdjson.h>

#include <cmath>
#include <string>
#include <vector>

#include "support/json_writer.h"

using encore::JsonWriter;

TEST_CASE("JsonWriter output is parsed back by simdjson to the same values") {
  std::string out;
  JsonWriter w(out);
  std::vector<float> floats = {0.1f, -3.5e-12f, 1e30f, 0.0f};
  w.begin_object()
      .key("text").value("quote \" backslash \\ newline \n tab \t ctrl \x01 é 😀")
      .key("n").value(int64_t{-42})
      .key("floats").array(floats)
      .key("nan").value(std::nanf(""))
      .key("list").begin_array().value(true).null().begin_object().end_object().end_array()
      .end_object();

  simdjson::dom::parser parser;
  simdjson::dom::element doc = parser.parse(out);
  CHECK(std::string(doc["text"].get_string().value()) ==
        "quote \" backslash \\ newline \n tab \t ctrl \x01 é 😀");
  CHECK(doc["n"].get_int64().value() == -42);
  auto arr = doc["floats"].get_array().value();
  size_t i = 0;
  for (auto v : arr) CHECK(static_cast<float>(v.get_double().value()) == floats[i++]);
  CHECK(i == floats.size());
  CHECK(doc["nan"].is_null());
  CHECK(doc["list"].get_array().value().size() == 3);
}
