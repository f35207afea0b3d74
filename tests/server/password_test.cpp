#include <gtest/gtest.h>

#include "auth/password.h"
#include "passerelle/shared/crypto.h"

using namespace passerelle::server::auth;

TEST(Password, HashVerifies) {
  auto h = hash_password("correct horse battery", {10, 8, 1});
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->rfind("scrypt$10$8$1$", 0), 0u) << *h;
  EXPECT_TRUE(verify_password("correct horse battery", *h));
}

TEST(Password, WrongPasswordFails) {
  auto h = hash_password("correct horse battery", {10, 8, 1});
  ASSERT_TRUE(h.ok());
  EXPECT_FALSE(verify_password("correct horse batterz", *h));
  EXPECT_FALSE(verify_password("", *h));
}

TEST(Password, SaltsDiffer) {
  auto a = hash_password("same password!", {10, 8, 1});
  auto b = hash_password("same password!", {10, 8, 1});
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(*a, *b);
}

TEST(Password, HashWithOtherCostStillVerifies) {
  auto h11 = hash_password("a long passphrase", {11, 8, 1});
  auto h12 = hash_password("a long passphrase", {12, 4, 2});
  ASSERT_TRUE(h11.ok() && h12.ok());
  EXPECT_TRUE(verify_password("a long passphrase", *h11));
  EXPECT_TRUE(verify_password("a long passphrase", *h12));
}

TEST(Password, MalformedStoredHashNeverMatches) {
  EXPECT_FALSE(verify_password("x", ""));
  EXPECT_FALSE(verify_password("x", "scrypt$10$8$1$bad$bad"));
  EXPECT_FALSE(verify_password("x", "bcrypt$10$8$1$AAAA$AAAA"));
  EXPECT_FALSE(verify_password("x", "scrypt$99$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAA"));
}

TEST(Tokens, FreshTokensAreUniqueAndHashedForStorage) {
  auto a = passerelle::new_token(), b = passerelle::new_token();
  EXPECT_EQ(a.size(), 43u);
  EXPECT_NE(a, b);
  EXPECT_EQ(passerelle::sha256_hex(a).size(), 64u);
  EXPECT_NE(passerelle::sha256_hex(a), passerelle::sha256_hex(b));
}
