package org.passerelle;

import java.nio.charset.StandardCharsets;

/**
 * The library's side of one connection of a {@link Transport}: the app reports here what its
 * WebSocket did. Every method may be called from any thread. After {@link #closed(String)} the
 * socket is spent: later reports (a late frame, a second closed) are ignored, so an app need not
 * track whether it already reported.
 */
public final class TransportSocket {
  // The native psl_socket; 0 once closed was reported (the library may then free it). The lock
  // makes a report racing closed() either land before it or be dropped, never touch freed memory.
  private long socket;

  TransportSocket(long socket) {
    this.socket = socket;
  }

  /** The connection is open (before any frame). */
  public synchronized void opened() {
    if (socket != 0) Native.socketOpened(socket);
  }

  /** One whole text frame from the server (fragments joined). */
  public synchronized void received(String frame) {
    if (socket != 0 && frame != null) Native.socketReceived(socket, frame.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * The connection failed to open or ended, for any reason. {@code reason} is a short sentence
   * for people ("connection refused"; null: none) that the sync status shows as its last error.
   */
  public synchronized void closed(String reason) {
    if (socket == 0) return;
    long s = socket;
    socket = 0;
    Native.socketClosed(s, reason == null ? null : reason.getBytes(StandardCharsets.UTF_8));
  }
}
