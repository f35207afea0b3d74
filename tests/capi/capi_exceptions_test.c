/* A C++ exception inside the client core never crosses the C API: it comes back as
 * PSL_INTERNAL with the exception's text, and the client stays usable.
 *
 *   capi_exceptions_test WS_URL SCRATCH_DIR      (run through capi_launcher)
 *
 * psl_debug_throw_for_test (passerelle.h, test only) throws inside the C API's call (kinds 1-3:
 * a std::exception, std::bad_alloc, a non-standard type) or arms a throw deep inside the C++
 * core (kind 4: from the rows notification of Client::mutate, several frames below the API). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "passerelle/passerelle.h"

static int failures = 0;

static void expect(int ok, const char* what, const psl_error* err) {
  if (ok) return;
  ++failures;
  fprintf(stderr, "FAILED: %s (got %s/%s: %s)\n", what, psl_code_name(err->code), psl_origin_name(err->origin),
          err->message ? err->message : "(no message)");
}

static int is_error(const psl_error* err, int code, int origin, const char* needle) {
  return err->code == code && err->origin == origin && err->message && strstr(err->message, needle);
}

int main(int argc, char** argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: capi_exceptions_test WS_URL SCRATCH_DIR\n");
    return 2;
  }
  char dir[1024];
  snprintf(dir, sizeof dir, "%s/exceptions", argv[2]);
  psl_error err = PSL_ERROR_INIT;

  /* Inside the API's own call: every kind of exception becomes PSL_INTERNAL. */
  expect(!psl_debug_throw_for_test(NULL, 1, &err) &&
             is_error(&err, PSL_INTERNAL, PSL_ORIGIN_LOCAL, "internal error: test exception"),
         "std::runtime_error becomes PSL_INTERNAL", &err);
  psl_error_clear(&err);
  expect(!psl_debug_throw_for_test(NULL, 2, &err) && is_error(&err, PSL_INTERNAL, PSL_ORIGIN_LOCAL, "out of memory"),
         "std::bad_alloc becomes PSL_INTERNAL 'out of memory'", &err);
  psl_error_clear(&err);
  expect(!psl_debug_throw_for_test(NULL, 3, &err) &&
             is_error(&err, PSL_INTERNAL, PSL_ORIGIN_LOCAL, "an unknown exception"),
         "a non-standard exception becomes PSL_INTERNAL", &err);
  psl_error_clear(&err);
  expect(!psl_debug_throw_for_test(NULL, 99, &err) && is_error(&err, PSL_BAD_REQUEST, PSL_ORIGIN_USAGE, "unknown kind"),
         "an unknown kind is a usage error", &err);
  psl_error_clear(&err);
  expect(!psl_debug_throw_for_test(NULL, 1, NULL), "with no error pointer it still returns false", &err);

  /* Deep inside the core: a throwing observer under Client::mutate. */
  psl_client_options o;
  psl_client_options_init(&o);
  o.data_dir = dir;
  o.server_url = argv[1];
  psl_client* c = psl_client_open(&o, &err);
  expect(c != NULL, "open", &err);
  if (!c) return 1;
  char* user = psl_client_login(c, "carlos.restrepo@demo.passerelle.quebec", "demo-candidate-2026", &err);
  expect(user != NULL, "login", &err);
  psl_string_free(user);
  /* Pull the profile first, so that updating it changes a row and notifies the observers. */
  char* first_sync = psl_client_sync_once(c, 20000, &err);
  expect(first_sync != NULL, "first sync", &err);
  psl_string_free(first_sync);

  expect(psl_debug_throw_for_test(c, 4, &err), "arming the throw in the core", &err);
  char* op = psl_client_mutate(c, "profile.update", "{\"bio\":\"first\"}", &err);
  expect(op == NULL && is_error(&err, PSL_INTERNAL, PSL_ORIGIN_LOCAL, "test exception thrown inside the core"),
         "the exception thrown inside Client::mutate comes back as PSL_INTERNAL", &err);
  psl_string_free(op);
  psl_error_clear(&err);

  /* The client carries on: the observer was one-shot, the next write works. (The first write
   * was committed before the notification threw, so both are queued.) */
  op = psl_client_mutate(c, "profile.update", "{\"bio\":\"second\"}", &err);
  expect(op != NULL, "the next mutate works", &err);
  psl_string_free(op);
  char* pending = psl_client_pending_ops(c, &err);
  expect(pending && strstr(pending, "first") && strstr(pending, "second"), "both writes are queued", &err);
  psl_string_free(pending);
  char* summary = psl_client_sync_once(c, 20000, &err);
  expect(summary && strstr(summary, "\"applied\":2"), "and reach the server", &err);
  psl_string_free(summary);
  char* out = psl_client_logout(c, PSL_LOGOUT_WIPE_LOCAL_DATA, &err);
  expect(out != NULL, "logout", &err);
  psl_string_free(out);
  psl_client_close(c);
  psl_error_clear(&err);

  if (failures) return 1;
  printf("capi_exceptions_test: passed\n");
  return 0;
}
