package org.passerelle;

import java.util.Map;

/** One of the signed-in person's sessions ({@link Client#sessions()}). */
public final class SessionInfo {
  /** What {@link Client#endSession} takes. */
  public final String id;
  /** The name the device gave at sign-in; "" when none. */
  public final String device;
  /** The address it was last seen from. */
  public final String address;
  /** RFC 3339 UTC: the sign-in, the last use, the end of the token's life. */
  public final String firstSeenAt, lastSeenAt, expiresAt;
  /** The session of this device. */
  public final boolean current;

  SessionInfo(String id, String device, String address, String firstSeenAt, String lastSeenAt, String expiresAt,
      boolean current) {
    this.id = id;
    this.device = device;
    this.address = address;
    this.firstSeenAt = firstSeenAt;
    this.lastSeenAt = lastSeenAt;
    this.expiresAt = expiresAt;
    this.current = current;
  }

  static SessionInfo from(Object json) {
    Map<?, ?> m = Json.obj(json);
    return new SessionInfo(Json.str(m, "id"), Json.str(m, "device"), Json.str(m, "address"),
        Json.str(m, "first_seen_at"), Json.str(m, "last_seen_at"), Json.str(m, "expires_at"), Json.bool(m, "current"));
  }
}
