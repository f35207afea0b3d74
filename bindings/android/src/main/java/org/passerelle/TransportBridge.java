package org.passerelle;

import java.nio.charset.StandardCharsets;

/**
 * What the JNI glue calls on the "passerelle-transport" thread to reach the app's {@link
 * Transport}. Nothing the app throws goes back into native code: a failed open is reported as
 * closed; a failing send or close is the app's WebSocket failing, which it reports itself.
 */
final class TransportBridge {
  private TransportBridge() {}

  static Object open(Transport transport, byte[] url, long socket) {
    TransportSocket s = new TransportSocket(socket);
    try {
      Transport.Connection c = transport.open(new String(url, StandardCharsets.UTF_8), s);
      if (c == null) s.closed("the app's transport gave no connection");
      return c;
    } catch (RuntimeException e) {
      s.closed(e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName());
      return null;
    }
  }

  static void send(Object connection, byte[] frame) {
    try {
      ((Transport.Connection) connection).send(new String(frame, StandardCharsets.UTF_8));
    } catch (RuntimeException e) {
      // The app's WebSocket reports its own failure as closed().
    }
  }

  static void close(Object connection) {
    try {
      ((Transport.Connection) connection).close();
    } catch (RuntimeException e) {
      // Nothing more can be done with a connection that failed to close.
    }
  }
}
