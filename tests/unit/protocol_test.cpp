#include "passerelle/shared/protocol.h"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

using namespace passerelle;
using namespace passerelle::protocol;
namespace json = boost::json;

TEST(Protocol, ParsesRequest) {
  auto r = parse_request(R"({"id":1,"type":"hello","protocol":1})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->id, 1);
  EXPECT_EQ(r->type, "hello");
  EXPECT_EQ(r->body.at("protocol").as_int64(), 1);
}

TEST(Protocol, RequestErrorsSayWhy) {
  std::optional<std::int64_t> id;
  auto a = parse_request("{nope", &id);
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.error().code, ErrorCode::bad_request);
  EXPECT_FALSE(id.has_value());

  auto b = parse_request("[1]", &id);
  EXPECT_EQ(b.error().message, "a request must be a JSON object, got array");

  auto c = parse_request(R"({"id":9})", &id);
  EXPECT_EQ(c.error().message, "field 'type' is missing");
  EXPECT_EQ(id, 9);

  auto d = parse_request(R"({"id":"x","type":"hello"})");
  EXPECT_EQ(d.error().message, "field 'id' must be an integer, got string");
}

TEST(Protocol, SerializesAnswers) {
  auto ok = json::parse(serialize_ok(3, {{"token", "t"}}));
  EXPECT_EQ(ok.at("re").as_int64(), 3);
  EXPECT_TRUE(ok.at("ok").as_bool());
  EXPECT_EQ(ok.at("token").as_string(), "t");

  auto err = json::parse(serialize_error(std::nullopt, Error{ErrorCode::too_large, "big"}));
  EXPECT_TRUE(err.at("re").is_null());
  EXPECT_FALSE(err.at("ok").as_bool());
  EXPECT_EQ(err.at("error").at("code").as_string(), "too_large");
  EXPECT_EQ(err.at("error").at("message").as_string(), "big");
}

TEST(Protocol, ClientParsesAnswersAndEvents) {
  auto a = parse_server_message(serialize_error(4, Error{ErrorCode::forbidden, "no"}));
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->re, 4);
  EXPECT_FALSE(a->ok);
  EXPECT_EQ(a->error->code, ErrorCode::forbidden);
  auto e = parse_server_message(serialize_event("poke", {{"seq", 10}}));
  ASSERT_TRUE(e.ok());
  EXPECT_FALSE(e->re.has_value());
  EXPECT_EQ(e->type, "poke");
  EXPECT_FALSE(parse_server_message(R"({"re":1})").ok());
}

// Found by fuzz_protocol_decoder: the answer the server sends to a frame without a readable
// id ("re": null) was refused by the client's decoder ("field 'type' is missing").
TEST(Protocol, ClientParsesAnswerWithoutRequestId) {
  auto m = parse_server_message(serialize_error(std::nullopt, Error{ErrorCode::too_large, "frame too large"}));
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_FALSE(m->re.has_value());
  EXPECT_TRUE(m->type.empty());
  EXPECT_FALSE(m->ok);
  ASSERT_TRUE(m->error.has_value());
  EXPECT_EQ(*m->error, (Error{ErrorCode::too_large, "frame too large"}));
}

TEST(Protocol, RolesAndLocales) {
  EXPECT_EQ(parse_role("coach"), Role::coach);
  EXPECT_EQ(parse_role("employer"), Role::employer);
  EXPECT_EQ(to_string(Role::employer), "employer");
  EXPECT_FALSE(parse_role("root").has_value());
  EXPECT_EQ(to_string(Role::admin), "admin");
  EXPECT_EQ(parse_locale("en"), Locale::en);
  EXPECT_FALSE(parse_locale("de").has_value());
}

TEST(Protocol, UserRoundTrip) {
  UserInfo u{"0190a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a2b", Role::mentor, "m@x.ca", "Marie", Locale::fr};
  auto back = user_from_json(to_json(u));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->email, "m@x.ca");
  EXPECT_EQ(back->role, Role::mentor);
  EXPECT_FALSE(user_from_json(json::parse(R"({"id":"a","role":"god","email":"e","name":"n"})")).ok());
}

TEST(Protocol, NormalizesEmail) {
  EXPECT_EQ(*normalize_email("  Amina@Example.COM "), "amina@example.com");
  for (const char* bad : {"", "no-at", "@x.ca", "a@b", "a@@b.ca", "a b@c.ca", "a@b.ca."})
    EXPECT_FALSE(normalize_email(bad).ok()) << bad;
}
