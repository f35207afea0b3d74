// Uploaded files over HTTP (docs/messages.md, docs/protocol.md):
//   PUT  /v1/blobs/<sha256>   the raw bytes; Authorization: Bearer <session token>
//   GET  /v1/blobs/<sha256>   the bytes, for whoever may read them
//   HEAD /v1/blobs/<sha256>   the same without the body
// Content-addressed: the server hashes what arrived and refuses a body whose SHA-256 is not
// the one in the path, so a retried or duplicated upload stores nothing twice. The type is
// judged from the bytes. Who may read: the uploader, and the readers of a row that refers to
// the file; anyone else gets the same 404 as for a file that does not exist.
#include <boost/json/object.hpp>

#include "../log.h"
#include "../services.h"
#include "auth/accounts.h"
#include "files/file_store.h"
#include "net/http_routes.h"
#include "http_session.h"
#include "passerelle/shared/crypto.h"
#include "passerelle/shared/messages/files.h"
#include "passerelle/shared/sync/collections.h"
#include "sync/file_catalog.h"
#include "../storage/db_error.h"

namespace passerelle::server::handlers {
namespace {

using net::error_answer;
using net::HttpAnswer;
using net::HttpRequest;
using net::json_answer;
using net::Respond;

constexpr std::string_view kPrefix = "/v1/blobs/";

Error not_found() { return Error{ErrorCode::not_found, "no such file, or it is not shared with you"}; }


void put_file(Services& svc, const files::FileStore& store, const HttpRequest& req, const std::string& sha,
              const Respond& respond) {
  auto user = authenticate_http(svc, req);
  if (!user) return respond(error_answer(user.error()));
  std::string actual = sha256_hex(req.body);
  if (actual != sha)
    return respond(error_answer(Error{ErrorCode::bad_request, "the content's SHA-256 is " + actual + ", not the " + sha +
                                                                  " named in the path; nothing was stored"}));
  if (req.body.size() > svc.config.max_upload_bytes)  // also enforced before reading; kept for clarity
    return respond(error_answer(passerelle::files::too_large_error(req.body.size(), svc.config.max_upload_bytes)));
  auto type = passerelle::files::sniff_type(req.body);
  if (!type) return respond(error_answer(passerelle::files::unsupported_type_error()));
  if (auto st = store.put(sha, req.body); !st) {
    log::error("file_store_failed", {{"sha256", sha}, {"message", st.error().message}});
    return respond(error_answer(Error{ErrorCode::internal, "the file could not be stored; send it again"}));
  }
  auto is_new = std::make_shared<bool>(false);
  std::int64_t size = static_cast<std::int64_t>(req.body.size());
  std::string type_text(*type);
  svc.db.writer().submit(
      [=, user_id = user->id](soci::session& sql) {
        *is_new = server::sync::record_upload(sql, sha, size, type_text, user_id, now_utc());
        return Status::Ok();
      },
      [=, user_id = user->id](Status st) {
        if (!st) return respond(error_answer(Error{ErrorCode::internal, "the upload could not be recorded; send it again"}));
        log::info("file_uploaded", {{"sha256", sha}, {"size", size}, {"type", type_text}, {"user_id", user_id}});
        respond(json_answer(*is_new ? 201 : 200, {{"sha256", sha}, {"size", size}, {"type", type_text}}));
      });
}

void get_file(Services& svc, const files::FileStore& store, const HttpRequest& req, const std::string& sha,
              const Respond& respond) {
  auto user = authenticate_http(svc, req);
  if (!user) return respond(error_answer(user.error()));
  auto info = svc.db.read([&](soci::session& sql) {
    return server::sync::readable_file(sql, sha, user->id, passerelle::sync::role_audience(user->role));
  });
  if (!info || !store.has(sha)) return respond(error_answer(not_found()));
  HttpAnswer a;
  a.content_type = info->type;
  a.headers = {{"Content-Disposition", "attachment"},
               {"Cache-Control", "private, max-age=86400"},
               {"ETag", "\"" + sha + "\""}};
  a.file = store.path_of(sha);
  respond(std::move(a));
}

}  // namespace

void register_file_routes(net::HttpRoutes& routes, Services& svc, const files::FileStore& store) {
  routes.add({std::string(kPrefix), svc.config.max_upload_bytes, [&svc, &store](HttpRequest req, Respond respond) {
                std::string sha = req.path.substr(kPrefix.size());
                if (!passerelle::files::is_sha256_hex(sha))
                  return respond(error_answer(Error{ErrorCode::bad_request,
                                                    "the path must be /v1/blobs/<SHA-256 of the file in 64 lower-case hex digits>"}));
                if (req.method != "PUT" && req.method != "GET" && req.method != "HEAD") {
                  auto a = error_answer(Error{ErrorCode::unsupported, "use PUT to upload, GET or HEAD to download"});
                  a.status = 405;
                  a.headers = {{"Allow", "GET, HEAD, PUT"}};
                  return respond(std::move(a));
                }
                svc.workers.post([&svc, &store, req = std::move(req), sha, respond] {
                  try {
                    if (req.method == "PUT") put_file(svc, store, req, sha, respond);
                    else get_file(svc, store, req, sha, respond);
                  } catch (const std::exception& e) {
                    log::error("file_request_failed", storage::failure_fields(e, {{"sha256", sha}}));
                    respond(error_answer(Error{ErrorCode::internal, "the request failed on the server; try again"}));
                  }
                });
              }});
}

}  // namespace passerelle::server::handlers
