package org.passerelle;

/** The protocol's error codes (docs/protocol.md), as {@code psl_code} in passerelle.h. */
public enum ErrorCode {
  BAD_REQUEST(1, "bad_request"),
  UNAUTHENTICATED(2, "unauthenticated"),
  FORBIDDEN(3, "forbidden"),
  NOT_FOUND(4, "not_found"),
  CONFLICT(5, "conflict"),
  RATE_LIMITED(6, "rate_limited"),
  TOO_LARGE(7, "too_large"),
  UNSUPPORTED(8, "unsupported"),
  /** A bug or a broken environment; also every network failure (see {@link ErrorOrigin#NETWORK}). */
  INTERNAL(9, "internal");

  /** The C API's value. */
  public final int value;
  /** The wire spelling, e.g. "bad_request". */
  public final String wireName;

  ErrorCode(int value, String wireName) {
    this.value = value;
    this.wireName = wireName;
  }

  public static ErrorCode fromValue(int value) {
    for (ErrorCode c : values()) if (c.value == value) return c;
    return INTERNAL;
  }

  public static ErrorCode fromWireName(String name) {
    for (ErrorCode c : values()) if (c.wireName.equals(name)) return c;
    return INTERNAL;
  }
}
