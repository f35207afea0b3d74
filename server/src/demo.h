// The demo program for --demo: 1 admin, 2 coaches, 3 mentors, 5 candidates with realistic
// profiles and known passwords. Seeding is idempotent: accounts whose e-mail already exists are
// left untouched, so restarting with --demo never duplicates or resets anything.
#pragma once

#include <string>
#include <vector>

#include "auth/password.h"
#include "passerelle/shared/error.h"
#include "storage/database.h"

namespace passerelle::server {

struct DemoAccount {
  std::string email, name, role, locale, password;
  std::string profile_json;
};

const std::vector<DemoAccount>& demo_accounts();

// Creates the missing demo accounts through the writer. Returns how many were created.
Result<int> seed_demo(storage::Database& db, auth::ScryptParams params);

// The block printed on stdout: URL and a table of e-mail / password / role.
std::string demo_banner(const std::string& url);

}  // namespace passerelle::server
