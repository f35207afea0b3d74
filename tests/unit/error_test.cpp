#include "passerelle/shared/error.h"

#include <gtest/gtest.h>

using namespace passerelle;

TEST(ErrorCodes, RoundTripEveryCode) {
  for (auto c : {ErrorCode::bad_request, ErrorCode::unauthenticated, ErrorCode::forbidden,
                 ErrorCode::not_found, ErrorCode::conflict, ErrorCode::rate_limited,
                 ErrorCode::too_large, ErrorCode::unsupported, ErrorCode::internal}) {
    auto parsed = parse_error_code(to_string(c));
    ASSERT_TRUE(parsed.has_value()) << to_string(c);
    EXPECT_EQ(*parsed, c);
  }
  EXPECT_EQ(to_string(ErrorCode::bad_request), "bad_request");
  EXPECT_FALSE(parse_error_code("Bad_Request").has_value());
  EXPECT_FALSE(parse_error_code("").has_value());
}

TEST(Result, HoldsValueOrError) {
  Result<int> good = 42;
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(*good, 42);
  Result<int> bad(ErrorCode::not_found, "no such thing");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::not_found);
  EXPECT_EQ(bad.error().message, "no such thing");
  Status s;
  EXPECT_TRUE(s.ok());
  Status f(ErrorCode::conflict, "taken");
  EXPECT_FALSE(f.ok());
  EXPECT_EQ(f.error().code, ErrorCode::conflict);
}
