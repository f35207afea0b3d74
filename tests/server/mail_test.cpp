#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "mail/mailer.h"
#include "mail/digest.h"
#include "mail/message.h"

using namespace passerelle;
using namespace passerelle::server::mail;

TEST(Mail, ComposeHasHeadersAndCrlf) {
  Message m;
  m.from = "Passerelle <no-reply@example.org>";
  m.to = "amina@example.org";
  m.subject = "Hello";
  m.body = "line one\nline two\n";
  m.date = from_unix_ms(1764342000000);  // 2025-11-28T15:00:00Z, a Friday
  m.message_id = "<abc@example.org>";
  std::string text = compose(m);
  EXPECT_NE(text.find("Date: Fri, 28 Nov 2025 15:00:00 +0000\r\n"), std::string::npos) << text;
  EXPECT_NE(text.find("From: Passerelle <no-reply@example.org>\r\n"), std::string::npos);
  EXPECT_NE(text.find("To: amina@example.org\r\n"), std::string::npos);
  EXPECT_NE(text.find("Subject: Hello\r\n"), std::string::npos);
  EXPECT_NE(text.find("Message-ID: <abc@example.org>\r\n"), std::string::npos);
  EXPECT_NE(text.find("MIME-Version: 1.0\r\n"), std::string::npos);
  EXPECT_NE(text.find("Content-Type: text/plain; charset=UTF-8\r\n"), std::string::npos);
  EXPECT_NE(text.find("Content-Transfer-Encoding: quoted-printable\r\n\r\n"), std::string::npos);
  // Every LF is part of a CRLF.
  for (std::size_t i = 0; i < text.size(); ++i)
    if (text[i] == '\n') ASSERT_TRUE(i > 0 && text[i - 1] == '\r') << "bare LF at " << i;
}

TEST(Mail, NonAsciiSubjectIsRfc2047Encoded) {
  std::string enc = encode_header("Votre invitation à Passerelle");
  EXPECT_EQ(enc.rfind("=?UTF-8?B?", 0), 0u) << enc;
  EXPECT_EQ(enc.substr(enc.size() - 2), "?=");
  EXPECT_EQ(encode_header("Plain subject"), "Plain subject");
  // Long subjects become several encoded words of at most 75 characters.
  std::string long_subject;
  for (int i = 0; i < 20; ++i) long_subject += "Éléonore ";
  std::string folded = encode_header(long_subject);
  std::istringstream lines(folded);
  std::string line;
  int words = 0;
  while (std::getline(lines, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty() && line.front() == ' ') line.erase(0, 1);
    EXPECT_LE(line.size(), 75u);
    ++words;
  }
  EXPECT_GT(words, 1);
}

TEST(Mail, QuotedPrintableEncodesUtf8AndKeepsLinesShort) {
  std::string qp = quoted_printable("café =\n" + std::string(200, 'a') + "\ntrailing \n");
  EXPECT_NE(qp.find("caf=C3=A9 =3D\r\n"), std::string::npos) << qp;
  EXPECT_NE(qp.find("trailing=20\r\n"), std::string::npos) << qp;
  std::size_t start = 0;
  while (start < qp.size()) {
    auto end = qp.find("\r\n", start);
    ASSERT_NE(end, std::string::npos);
    EXPECT_LE(end - start, 76u);
    start = end + 2;
  }
}

TEST(Mail, InvitationInBothLocalesCarriesTokenLinkAndCommand) {
  auto fr = invitation_message(protocol::Locale::fr, "a@example.org", "TOKEN123", "https://p.example.org",
                               "Linh Nguyen", protocol::Role::candidate, "2026-12-01T00:00:00.000Z");
  EXPECT_EQ(fr.subject, "Votre invitation à Passerelle");
  EXPECT_NE(fr.body.find("https://p.example.org/app/invite#TOKEN123"), std::string::npos);
  EXPECT_NE(fr.body.find("accept-invite TOKEN123"), std::string::npos);
  EXPECT_NE(fr.body.find("wss://p.example.org"), std::string::npos);
  auto en = invitation_message(protocol::Locale::en, "a@example.org", "TOKEN123", "http://127.0.0.1:8080",
                               "Linh", protocol::Role::mentor, "2026-12-01T00:00:00.000Z");
  EXPECT_EQ(en.subject, "Your invitation to Passerelle");
  EXPECT_NE(en.body.find("http://127.0.0.1:8080/app/invite#TOKEN123"), std::string::npos);
  EXPECT_EQ(en.from, "Passerelle <no-reply@127.0.0.1>");
}

TEST(Mail, MailerWritesAtomicEmlFiles) {
  auto dir = std::filesystem::temp_directory_path() / ("pmail-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  Mailer mailer(dir.string(), "");
  Message m;
  m.from = "x <x@y>";
  m.to = "z@y";
  m.subject = "s";
  m.body = "b";
  m.date = now_utc();
  m.message_id = "<1@y>";
  auto path = mailer.send(m);
  ASSERT_TRUE(path.ok()) << path.error().message;
  EXPECT_EQ(std::filesystem::path(*path).extension(), ".eml");
  int files = 0;
  for (auto& e : std::filesystem::directory_iterator(dir)) { (void)e; ++files; }
  EXPECT_EQ(files, 1);  // no temp file left behind
  std::filesystem::remove_all(dir);
}

TEST(Mail, MailerPipesToCommand) {
  auto out = std::filesystem::temp_directory_path() / ("pmailcmd-" + std::to_string(::getpid()) + ".txt");
  Mailer mailer("/nonexistent", "cat > " + out.string());
  Message m;
  m.from = "x <x@y>";
  m.to = "z@y";
  m.subject = "piped";
  m.body = "b";
  m.date = now_utc();
  m.message_id = "<1@y>";
  ASSERT_TRUE(mailer.send(m).ok());
  std::ifstream in(out);
  std::stringstream s;
  s << in.rdbuf();
  EXPECT_NE(s.str().find("Subject: piped\r\n"), std::string::npos);
  std::filesystem::remove(out);
  EXPECT_FALSE(Mailer("/x", "exit 3").send(m).ok());
}

TEST(DigestMail, InTheReadersLanguageQuotingOnlyWhatItMay) {
  using passerelle::server::mail::Digest;
  using passerelle::server::mail::DigestThread;
  Digest fr{passerelle::protocol::Locale::fr, "linh@example.org", "Linh",
            {DigestThread{"Amina Benali (candidate)", 2, "Bonjour,\nvoici mon CV"}, DigestThread{"Marc (coach)", 1, ""}}};
  auto m = passerelle::server::mail::digest_message(fr, "https://passerelle.example.org");
  EXPECT_EQ(m.subject, "Passerelle : 3 messages non lus");
  EXPECT_NE(m.body.find("- Amina Benali (candidate) : 2\n  « Bonjour, voici mon CV »\n"), std::string::npos) << m.body;
  EXPECT_NE(m.body.find("- Marc (coach) : 1\n"), std::string::npos) << m.body;
  EXPECT_EQ(m.from, "Passerelle <no-reply@passerelle.example.org>");

  Digest en{passerelle::protocol::Locale::en, "a@example.org", "Amina", {DigestThread{"Linh (coach)", 1, std::string(400, 'x') + "é"}}};
  auto e = passerelle::server::mail::digest_message(en, "http://127.0.0.1:8080");
  EXPECT_EQ(e.subject, "Passerelle: 1 unread message");
  EXPECT_NE(e.body.find("- Linh (coach): 1\n  \"" + std::string(280, 'x') + "…\"\n"), std::string::npos) << e.body;
}

TEST(Mail, ACommandThatStopsReadingFailsTheSendWithoutKillingTheProcess) {
  // `true` exits at once without reading: our write hits a closed pipe (SIGPIPE by default).
  Mailer mailer("/nonexistent", "true");
  Message m;
  m.from = "x <x@y>";
  m.to = "z@y";
  m.subject = "lost";
  m.body = std::string(1 << 20, 'b');  // more than a pipe buffer, so the write really blocks and breaks
  m.date = now_utc();
  m.message_id = "<2@y>";
  auto sent = mailer.send(m);
  EXPECT_FALSE(sent.ok());
}
