#include "passerelle/shared/json_reader.h"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

using namespace passerelle;
namespace json = boost::json;

TEST(JsonReader, ReadsTypedFields) {
  json::value v = json::parse(R"({"s":"x","i":7,"b":true,"o":{"k":"v"},"a":[1],"n":null})");
  JsonReader in(v);
  EXPECT_EQ(in.string("s"), "x");
  EXPECT_EQ(in.integer("i"), 7);
  EXPECT_TRUE(in.boolean("b"));
  EXPECT_EQ(in.object("o").size(), 1u);
  EXPECT_EQ(in.array("a").size(), 1u);
  EXPECT_FALSE(in.optional_string("n").has_value());
  EXPECT_FALSE(in.optional_integer("absent").has_value());
  EXPECT_TRUE(in.ok());
}

TEST(JsonReader, NamesTheMissingField) {
  json::value v = json::parse(R"({"a":1})");
  JsonReader in(v);
  in.string("email");
  ASSERT_FALSE(in.ok());
  EXPECT_EQ(in.status().error().code, ErrorCode::bad_request);
  EXPECT_EQ(in.status().error().message, "field 'email' is missing");
}

TEST(JsonReader, NamesTheWrongType) {
  json::value v = json::parse(R"({"limit":"ten"})");
  JsonReader in(v);
  in.integer("limit");
  EXPECT_EQ(in.status().error().message, "field 'limit' must be an integer, got string");
}

TEST(JsonReader, KeepsTheFirstError) {
  json::value v = json::parse(R"({"a":1})");
  JsonReader in(v);
  in.string("a");
  in.string("b");
  EXPECT_EQ(in.status().error().message, "field 'a' must be a string, got number");
}

TEST(JsonReader, NestedPathsAppearInMessages) {
  json::value v = json::parse(R"({"args":{"email":5}})");
  JsonReader in(v);
  JsonReader args = in.nested("args");
  args.string("email");
  EXPECT_EQ(args.status().error().message, "field 'args.email' must be a string, got number");
}

TEST(JsonReader, RejectsNonObject) {
  json::value v = json::parse("[1,2]");
  JsonReader in(v);
  EXPECT_FALSE(in.ok());
  EXPECT_EQ(in.status().error().message, "the message must be an object, got array");
}

TEST(JsonReader, IntegerAcceptsWholeDoublesOnly) {
  json::value v = json::parse(R"({"a":3.0,"b":3.5,"c":1e300})");
  JsonReader in(v);
  EXPECT_EQ(in.integer("a"), 3);
  EXPECT_TRUE(in.ok());
  in.integer("b");
  EXPECT_FALSE(in.ok());
  JsonReader in2(v);
  in2.integer("c");
  EXPECT_FALSE(in2.ok());
}

// Found by fuzz_protocol_decoder under UBSan: {"id": 1e56} converted 1e56 to int64 before
// checking its range (undefined behaviour on every frame with such a number).
TEST(JsonReader, IntegerRefusesDoublesOutOfRange) {
  for (const char* text : {R"({"n":1e56})", R"({"n":-1e300})", R"({"n":9.3e18})"}) {
    json::value v = json::parse(text);
    JsonReader in(v);
    EXPECT_FALSE(in.optional_integer("n").has_value()) << text;
    EXPECT_EQ(in.status().error().message, "field 'n' must be an integer, got number") << text;
  }
}

TEST(ParseJson, RejectsMalformedAndTrailing) {
  EXPECT_FALSE(parse_json("{").ok());
  EXPECT_FALSE(parse_json("{} x").ok());
  EXPECT_FALSE(parse_json("").ok());
  EXPECT_EQ(parse_json("{").error().code, ErrorCode::bad_request);
  EXPECT_TRUE(parse_json(R"({"a":[1,2,{"b":null}]})").ok());
}

TEST(ParseJson, RefusesDeepNesting) {
  std::string deep(1000, '[');
  deep += std::string(1000, ']');
  EXPECT_FALSE(parse_json(deep).ok());
}
