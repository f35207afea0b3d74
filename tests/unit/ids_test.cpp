#include "passerelle/shared/ids.h"

#include <gtest/gtest.h>

#include <chrono>
#include <set>

using namespace passerelle;

TEST(Uuid, V7HasVersionVariantAndTime) {
  auto before = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::system_clock::now().time_since_epoch()).count();
  Uuid id = Uuid::v7();
  EXPECT_EQ(id.version(), 7);
  EXPECT_EQ(id.bytes()[8] & 0xC0, 0x80);
  EXPECT_GE(id.unix_ms(), before);
  EXPECT_LE(id.unix_ms(), before + 5000);
}

TEST(Uuid, StrictlyIncreasingWithinAProcess) {
  Uuid prev = Uuid::v7();
  for (int i = 0; i < 100000; ++i) {
    Uuid next = Uuid::v7();
    ASSERT_LT(prev, next) << prev.str() << " then " << next.str();
    prev = next;
  }
}

TEST(Uuid, TextRoundTrip) {
  Uuid id = Uuid::v7();
  std::string s = id.str();
  ASSERT_EQ(s.size(), 36u);
  auto back = Uuid::parse(s);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(*back, id);
  EXPECT_TRUE(Uuid::parse("0190A1B2-C3D4-7E5F-8A6B-7C8D9E0F1A2B").has_value());
}

TEST(Uuid, RejectsMalformed) {
  for (const char* bad : {"", "not-a-uuid", "0190a1b2c3d47e5f8a6b7c8d9e0f1a2b",
                          "0190a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a2", "0190a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a2g",
                          "0190a1b2+c3d4-7e5f-8a6b-7c8d9e0f1a2b"})
    EXPECT_FALSE(Uuid::parse(bad).has_value()) << bad;
}

TEST(Uuid, V7AtCarriesTheGivenTime) {
  Uuid id = Uuid::v7_at(1700000000123);
  EXPECT_EQ(id.unix_ms(), 1700000000123);
  EXPECT_EQ(id.version(), 7);
}

TEST(Uuid, UniqueAcrossManyIds) {
  std::set<std::string> seen;
  for (int i = 0; i < 20000; ++i) ASSERT_TRUE(seen.insert(new_id()).second);
}
