// json_text.h: strings written by hand must be exactly what json::serialize writes, since the
// server's pull pages and pokes, and the device's copies of them, are compared byte for byte.
#include "passerelle/shared/json_text.h"

#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>

#include <string>

namespace passerelle {
namespace {

std::string as_json_string(std::string_view s) {
  std::string out;
  append_json_string(out, s);
  return out;
}

TEST(JsonText, EveryByteIsWrittenAsSerializeWritesIt) {
  for (int c = 0; c < 256; ++c) {
    std::string s(1, static_cast<char>(c));
    EXPECT_EQ(as_json_string(s), boost::json::serialize(boost::json::string(s))) << "byte " << c;
  }
}

// The scan reads eight bytes at once: an escape must be found wherever it falls in the word,
// and the plain bytes around it kept in order.
TEST(JsonText, AnEscapeIsFoundAtEveryPositionOfALongText) {
  for (char special : {'"', '\\', '\n', '\x01', '\x1f'}) {
    for (std::size_t at = 0; at < 40; ++at) {
      std::string s = "Bonjour Amina, voici le plan d'action pour la semaine.";
      s[at] = special;
      std::string out;
      EXPECT_TRUE(append_json_escaped(out, s));
      EXPECT_EQ('"' + out + '"', boost::json::serialize(boost::json::string(s))) << "at " << at;
    }
  }
}

TEST(JsonText, PlainTextIsCopiedAndSaysNothingWasEscaped) {
  std::string out = "prefix:";
  EXPECT_FALSE(append_json_escaped(out, "Réunion à 14 h 30 — salle B"));
  EXPECT_EQ(out, "prefix:Réunion à 14 h 30 — salle B");
  EXPECT_EQ(as_json_string(""), "\"\"");
}

}  // namespace
}  // namespace passerelle
