// A person's data as a whole (docs/security.md, "Privacy rights"): what `account.export`
// hands them, and what `account.delete` erases or anonymizes. Plain functions of a
// soci::session: export runs on a read connection, erase inside a Writer item (its changes go
// through the change log, so every other device that mirrored a row gets the new state or a
// tombstone at its next pull).
#pragma once

#include <boost/json/object.hpp>
#include <soci/soci.h>

#include <set>
#include <string>
#include <vector>

#include "passerelle/shared/time.h"

namespace passerelle::server::privacy {

// Everything the person owns or authored and nothing of anyone else:
//   account   their sign-in record (no password hash) and their sessions (no token hashes)
//   rows      by collection: their profile rows; the threads they are a member of; the messages
//             they wrote plus the messages of their threads addressed to them (others' messages
//             in a thread are addressed to every member); their receipts; their plan and its
//             steps; mentorships, meetings and referrals they are a party to; their outcomes
//   files     every file they uploaded or that an exported row refers to: sha256, size, type;
//             the bytes come from GET /v1/blobs/<sha256> with their token
//   audit     the audit entries about them: who opened their file, exported or changed it
// nullopt-like empty object when the user does not exist.
boost::json::object export_account(soci::session& sql, const std::string& user_id, Timestamp now);

struct ErasedAccount {
  bool found = false;
  std::int64_t last_seq = 0;             // the change log's seq after the erasure (for pokes)
  std::set<std::string> touched_users;   // whose devices have changes to pull
  std::vector<std::string> files_to_unlink;  // files nobody owns or refers to any more
  std::int64_t rows_removed = 0, rows_anonymized = 0;
};

// Erases or anonymizes the person's data, per kind (the table in docs/security.md): their
// messages (and, for a candidate, every message of their own threads), receipts, mentoring
// profiles, availability and calendar feed are deleted; their profile, plan steps, meetings,
// mentorships and referrals keep only what the program indicators count; their sign-in record
// loses e-mail, name and password, every session is revoked. Must run inside a transaction.
ErasedAccount erase_account(soci::session& sql, const std::string& user_id, Timestamp now);

// Whether this session token (by hash) belonged to an account since erased: auth.resume tells
// such a device, which then wipes the account's local data.
bool token_of_deleted_account(soci::session& sql, const std::string& token_hash);

}  // namespace passerelle::server::privacy
