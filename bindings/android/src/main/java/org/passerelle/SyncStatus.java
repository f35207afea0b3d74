package org.passerelle;

import java.util.Map;

/** A snapshot of the sync: state, what waits in the outbox, the last error. */
public final class SyncStatus {
  /** The background sync holds an authenticated connection. */
  public final boolean online;
  public final SyncState state;
  /** Ops written on this device and not yet answered by the server. */
  public final long pendingOps;
  /** Device time (RFC 3339) of the last pull to the end; null before the first. */
  public final String lastSyncedAt;
  public final long cursor;
  /** Refused ops not yet dismissed: {@link Client#rejections()}. */
  public final long rejections;
  /** Why the last attempt failed, if it did; null otherwise. */
  public final ErrorInfo lastError;
  /** While syncing in the background: how far the round got; null otherwise. */
  public final Progress progress;

  /** Progress of a sync round. */
  public static final class Progress {
    public final long pushed;
    public final long pulledRows;
    public final long cursor;
    public final boolean pulling;
    public final boolean more;

    Progress(long pushed, long pulledRows, long cursor, boolean pulling, boolean more) {
      this.pushed = pushed;
      this.pulledRows = pulledRows;
      this.cursor = cursor;
      this.pulling = pulling;
      this.more = more;
    }
  }

  SyncStatus(boolean online, SyncState state, long pendingOps, String lastSyncedAt, long cursor, long rejections,
      ErrorInfo lastError, Progress progress) {
    this.online = online;
    this.state = state;
    this.pendingOps = pendingOps;
    this.lastSyncedAt = lastSyncedAt;
    this.cursor = cursor;
    this.rejections = rejections;
    this.lastError = lastError;
    this.progress = progress;
  }

  static SyncStatus from(Object json) {
    Map<?, ?> m = Json.obj(json);
    Progress progress = null;
    if (m.get("progress") instanceof Map) {
      Map<?, ?> p = (Map<?, ?>) m.get("progress");
      progress = new Progress(Json.num(p, "pushed"), Json.num(p, "pulled_rows"), Json.num(p, "cursor"),
          Json.bool(p, "pulling"), Json.bool(p, "more"));
    }
    return new SyncStatus(Json.bool(m, "online"), SyncState.fromWireName(Json.str(m, "state")),
        Json.num(m, "pending_ops"), Json.str(m, "last_synced_at"), Json.num(m, "cursor"), Json.num(m, "rejections"),
        ErrorInfo.from(m.get("last_error")), progress);
  }

  @Override
  public String toString() {
    return state.wireName + (online ? " (online)" : "") + ", " + pendingOps + " pending, " + rejections
        + " rejected" + (lastError != null ? ", last error: " + lastError : "");
  }
}
