package org.passerelle;

/** The sync state or progress changed. Runs on the client's Executor. */
@FunctionalInterface
public interface SyncStateListener {
  void onSyncStateChanged(SyncStatus status);
}
