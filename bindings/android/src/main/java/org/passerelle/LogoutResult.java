package org.passerelle;

import java.util.Map;

/** What {@link Client#logout} did. */
public final class LogoutResult {
  public final boolean wasSignedIn;
  /** False when the server could not be told (then {@link #serverProblem} says why). */
  public final boolean revokedOnServer;
  /** The account files were deleted (logout with wipeLocalData). */
  public final boolean wipedLocalData;
  public final ErrorInfo serverProblem;

  LogoutResult(boolean wasSignedIn, boolean revokedOnServer, boolean wipedLocalData, ErrorInfo serverProblem) {
    this.wasSignedIn = wasSignedIn;
    this.revokedOnServer = revokedOnServer;
    this.wipedLocalData = wipedLocalData;
    this.serverProblem = serverProblem;
  }

  static LogoutResult from(Object json) {
    Map<?, ?> m = Json.obj(json);
    return new LogoutResult(Json.bool(m, "was_signed_in"), Json.bool(m, "revoked_on_server"),
        Json.bool(m, "wiped_local_data"), ErrorInfo.from(m.get("server_problem")));
  }
}
