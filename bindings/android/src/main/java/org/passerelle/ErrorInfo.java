package org.passerelle;

import java.util.Map;

/** An error reported as data (a status's last error, why logout could not tell the server). */
public final class ErrorInfo {
  public final ErrorCode code;
  public final ErrorOrigin origin;
  public final String message;

  public ErrorInfo(ErrorCode code, ErrorOrigin origin, String message) {
    this.code = code;
    this.origin = origin;
    this.message = message;
  }

  static ErrorInfo from(Object json) {
    if (!(json instanceof Map)) return null;
    Map<?, ?> m = (Map<?, ?>) json;
    Object origin = m.get("origin");
    return new ErrorInfo(ErrorCode.fromWireName(Json.str(m, "code")),
        origin == null ? ErrorOrigin.SERVER : ErrorOrigin.fromWireName(origin.toString()), Json.str(m, "message"));
  }

  public PasserelleException toException() {
    return new PasserelleException(code, origin, message);
  }

  @Override
  public String toString() {
    return code.wireName + " (" + origin.wireName + "): " + message;
  }
}
