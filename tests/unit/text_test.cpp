#include "passerelle/shared/text.h"

#include <gtest/gtest.h>

using namespace passerelle;

TEST(Utf8, AcceptsWellFormed) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("Québec, Montréal, 蒙特利尔, مرحبا, 🇨🇦"));
}

TEST(Utf8, RejectsMalformed) {
  for (std::string bad : {std::string("\xc3"), std::string("\xc0\xaf"), std::string("\xed\xa0\x80"),
                          std::string("\xf4\x90\x80\x80"), std::string("\xff"), std::string("a\x80")})
    EXPECT_FALSE(is_valid_utf8(bad));
}

TEST(Trim, StripsAsciiSpace) {
  EXPECT_EQ(trim("  a b \n"), "a b");
  EXPECT_EQ(trim("   "), "");
}
