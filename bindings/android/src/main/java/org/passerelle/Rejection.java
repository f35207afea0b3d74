package org.passerelle;

import java.util.Map;

/** An op the server refused, kept for the person to see and dismiss. */
public final class Rejection {
  public final String opId;
  /** The mutator, e.g. "message.send". */
  public final String name;
  /** Its arguments as they were sent. */
  public final Map<String, Object> args;
  public final ErrorCode code;
  /** The server's reason, for a person. */
  public final String message;
  /** Device time (RFC 3339). */
  public final String rejectedAt;

  Rejection(String opId, String name, Map<String, Object> args, ErrorCode code, String message, String rejectedAt) {
    this.opId = opId;
    this.name = name;
    this.args = args;
    this.code = code;
    this.message = message;
    this.rejectedAt = rejectedAt;
  }

  static Rejection from(Object json) {
    Map<?, ?> m = Json.obj(json);
    Map<?, ?> error = Json.obj(m.get("error"));
    return new Rejection(Json.str(m, "op_id"), Json.str(m, "name"), Json.objectMap(m.get("args")),
        ErrorCode.fromWireName(Json.str(error, "code")), Json.str(error, "message"), Json.str(m, "rejected_at"));
  }

  @Override
  public String toString() {
    return name + " " + opId + " refused: " + code.wireName + ": " + message;
  }
}
