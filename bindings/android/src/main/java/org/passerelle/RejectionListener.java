package org.passerelle;

/** The server refused an op written on this device. Runs on the client's Executor. */
@FunctionalInterface
public interface RejectionListener {
  void onRejected(Rejection rejection);
}
