// A person's privacy rights (docs/security.md):
//   account.export {user_id?}            everything of theirs (privacy/account_data.h); an admin
//                                        may name another account (a request made by letter)
//   account.delete {password}            the person erases their own account
//   account.delete {user_id}             an admin erases someone's account
// Both are audited, in the same transaction as the export or the erasure, before the answer.
// An unknown account and someone else's account get the same not_found: the answer never
// tells whether an id exists. After a deletion the person's connections get an
// `account_deleted` event (their devices wipe the account's data) and are closed; devices that
// were offline learn it at their next resume.
#include <boost/json/object.hpp>
#include <soci/soci.h>

#include "../log.h"
#include "../services.h"
#include "audit/audit.h"
#include "auth/accounts.h"
#include "auth/password.h"
#include "files/file_store.h"
#include "passerelle/shared/json_reader.h"
#include "passerelle/shared/time.h"
#include "privacy/account_data.h"
#include "privacy/retention.h"

namespace passerelle::server::handlers {
namespace {

namespace json = boost::json;
using net::Access;
using net::Context;
using net::Reply;
using protocol::Role;

Error no_such_account() { return Error{ErrorCode::not_found, "no account with that id"}; }

// The account a request is about: the caller's own, or (admins only) the one named. Anyone
// else naming an account that is not theirs gets the answer an unknown id gets.
Result<std::string> subject_of(const protocol::UserInfo& caller, const std::optional<std::string>& named) {
  if (!named || *named == caller.id) return caller.id;
  if (caller.role != Role::admin) return no_such_account();
  return *named;
}

// An account that exists and was not erased.
bool is_live(soci::session& sql, const std::string& user_id) {
  std::string deleted;
  soci::indicator ind = soci::i_null;
  sql << "SELECT deleted_at FROM users WHERE id = :i", soci::use(user_id), soci::into(deleted, ind);
  return sql.got_data() && ind != soci::i_ok;
}

void export_account(Services& svc, const Context& ctx, const protocol::Request& req, Reply reply) {
  JsonReader in(req.body);
  auto named = in.optional_string("user_id");
  if (auto st = in.status(); !st) return reply.fail(st.error());
  auto subject = subject_of(*ctx.user, named);
  if (!subject) return reply.fail(subject.error());
  auto data = std::make_shared<json::object>();
  svc.db.writer().submit(
      // In the writer, so that the audit entry and the export are one transaction: no export
      // without its entry, and the export shows its own access.
      [data, caller = *ctx.user, remote = ctx.remote_address, subject = *subject](soci::session& sql) -> Status {
        if (!is_live(sql, subject)) return no_such_account();
        audit::record(sql, audit::make_entry(caller.id, caller.role, remote, "account.export", subject));
        *data = privacy::export_account(sql, subject, now_utc());
        return Status::Ok();
      },
      [reply, data, subject = *subject](Status st) {
        if (!st) return reply.fail(st.error());
        log::info("account_exported", {{"user_id", subject}});
        reply.ok({{"export", std::move(*data)}});
      });
}

void delete_account(Services& svc, const files::FileStore& store, const Context& ctx, const protocol::Request& req,
                    Reply reply) {
  JsonReader in(req.body);
  auto named = in.optional_string("user_id");
  auto password = in.optional_string("password");
  if (auto st = in.status(); !st) return reply.fail(st.error());
  auto subject = subject_of(*ctx.user, named);
  if (!subject) return reply.fail(subject.error());
  bool self = *subject == ctx.user->id;
  // Erasing one's own account is confirmed with the password: a stolen session alone cannot.
  if (self && !password)
    return reply.fail(ErrorCode::bad_request, "field 'password' is missing: confirm the deletion with your password");
  svc.workers.post([&svc, &store, reply, caller = *ctx.user, remote = ctx.remote_address, subject = *subject, self,
                    password = password.value_or("")] {
    if (self) {
      auto user = svc.db.read([&](soci::session& sql) { return auth::find_user_by_id(sql, subject); });
      if (!user || !auth::verify_password(password, user->password_hash))
        return reply.fail(ErrorCode::forbidden, "wrong password; the account was not deleted");
    }
    auto erased = std::make_shared<privacy::ErasedAccount>();
    svc.db.writer().submit(
        [=](soci::session& sql) -> Status {
          if (!is_live(sql, subject)) return no_such_account();
          *erased = privacy::erase_account(sql, subject, now_utc());
          audit::record(sql, audit::make_entry(caller.id, caller.role, remote, "account.delete", subject,
                                       {{"rows_removed", erased->rows_removed},
                                        {"rows_anonymized", erased->rows_anonymized},
                                        {"files_deleted", static_cast<std::int64_t>(erased->files_to_unlink.size())}}));
          return Status::Ok();
        },
        [&svc, &store, reply, erased, subject, self](Status st) {
          if (!st) return reply.fail(st.error());
          privacy::unlink_files(store, erased->files_to_unlink);
          log::info("account_deleted", {{"user_id", subject}, {"rows_removed", erased->rows_removed}});
          net::StateChange sign_out;
          if (self)
            sign_out = [](net::SessionState& s) {
              s.user.reset();
              s.token_hash.clear();
            };
          reply.ok({{"user_id", subject}}, std::move(sign_out));
          // The person's devices wipe the account on this event; then their sessions end.
          svc.hub.send_event({subject}, protocol::serialize_event("account_deleted", {{"user_id", subject}}));
          svc.hub.disconnect_user(subject, "account deleted");
          if (erased->last_seq > 0 && !erased->touched_users.empty()) {
            std::vector<std::string> users(erased->touched_users.begin(), erased->touched_users.end());
            svc.hub.send_event(users, protocol::serialize_event("poke", {{"seq", erased->last_seq}}));
          }
        });
  });
}

}  // namespace

void register_account_handlers(net::Dispatcher& d, Services& svc, const files::FileStore& store) {
  d.add("account.export", Access::authenticated, [&svc](const Context& c, const protocol::Request& r, Reply reply) {
    export_account(svc, c, r, std::move(reply));
  });
  d.add("account.delete", Access::authenticated,
        [&svc, &store](const Context& c, const protocol::Request& r, Reply reply) {
          delete_account(svc, store, c, r, std::move(reply));
        });
}

}  // namespace passerelle::server::handlers
