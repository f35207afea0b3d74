/* The C tests' tiny kit: CHECK counts and stops the program at the first failure, with the
 * file and line; CHECK_CONTAINS looks for a substring in a (possibly NULL) text. */
#ifndef PASSERELLE_TESTS_CAPI_CHECK_H
#define PASSERELLE_TESTS_CAPI_CHECK_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int g_checks = 0;

static inline void fail(const char* file, int line, const char* fmt, ...) {
  va_list ap;
  fprintf(stderr, "%s:%d: FAILED: ", file, line);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  exit(1);
}

#define CHECK(cond, ...)                                \
  do {                                                  \
    ++g_checks;                                         \
    if (!(cond)) fail(__FILE__, __LINE__, __VA_ARGS__); \
  } while (0)

#define CHECK_CONTAINS(text, needle) \
  CHECK((text) && strstr((text), (needle)), "expected '%s' in: %s", (needle), (text) ? (text) : "(null)")

static inline void sleep_ms(long ms) {
  struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&t, NULL);
}

#endif
