package org.passerelle;

import java.nio.charset.StandardCharsets;

/**
 * A failure of the client core: the protocol's error {@link #code}, where it came from
 * ({@link #origin}) and a message a person can read. Unchecked, so Kotlin and lambdas need no
 * ceremony; every {@link Client} method that can fail throws it.
 */
public final class PasserelleException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public final ErrorCode code;
  public final ErrorOrigin origin;

  public PasserelleException(ErrorCode code, ErrorOrigin origin, String message) {
    super(message);
    this.code = code;
    this.origin = origin;
  }

  /** Made by the JNI glue from a psl_error (the message as UTF-8 bytes). */
  PasserelleException(int code, int origin, byte[] message) {
    this(ErrorCode.fromValue(code), ErrorOrigin.fromValue(origin),
        message == null ? "" : new String(message, StandardCharsets.UTF_8));
  }

  public ErrorCode getCode() {
    return code;
  }

  public ErrorOrigin getOrigin() {
    return origin;
  }

  @Override
  public String toString() {
    return "PasserelleException(" + code.wireName + ", " + origin.wireName + "): " + getMessage();
  }
}
