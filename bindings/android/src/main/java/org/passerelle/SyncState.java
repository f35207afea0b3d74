package org.passerelle;

/** Where the sync engine stands (docs/sync.md). */
public enum SyncState {
  /** No connection: not started, or waiting to reconnect after a failure. */
  OFFLINE("offline"),
  CONNECTING("connecting"),
  /** Pushing the outbox, pulling changes. */
  SYNCING("syncing"),
  /** Connected, outbox empty, pulled to the end. */
  UP_TO_DATE("up_to_date"),
  /** Stopped for good: the server refused the session. Log in again. */
  ERROR("error");

  public final String wireName;

  SyncState(String wireName) {
    this.wireName = wireName;
  }

  public static SyncState fromWireName(String name) {
    for (SyncState s : values()) if (s.wireName.equals(name)) return s;
    return OFFLINE;
  }
}
