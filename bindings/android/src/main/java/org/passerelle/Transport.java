package org.passerelle;

/**
 * A WebSocket the app gives the sync instead of the library's own (passerelle.h, "host
 * transport"): OkHttp's, say, so the sync goes through the phone's proxies, VPN and system trust
 * store. Set it with {@link Client.Options#transport}. The library still speaks the protocol
 * (hello, resume, push, pull, pokes, timeouts, reconnecting with backoff); the app only carries
 * text frames. Sign-in, the other blocking calls and file transfers keep the library's own
 * connection.
 *
 * <p>Threads. {@link #open}, {@link Connection#send} and {@link Connection#close} are called one
 * at a time, in order, on one thread of this client ("passerelle-transport"), never on the
 * caller's nor on a core thread; they must return quickly (start the work, report later) and must
 * not call the blocking methods of {@link Client}. The reports on the {@link TransportSocket} may
 * come from any thread, the WebSocket library's own included.
 */
public interface Transport {
  /**
   * Starts opening a WebSocket to {@code url} ("wss://host/v1/ws", path included) and returns at
   * once. Report the outcome on {@code socket}: {@link TransportSocket#opened()} then frames, or
   * {@link TransportSocket#closed(String)}. Throwing counts as a connection that failed to open.
   */
  Connection open(String url, TransportSocket socket);

  /** One connection, as the app's WebSocket library holds it. */
  interface Connection {
    /** Sends one text frame (JSON). Called only after opened(); a failure is reported as closed(). */
    void send(String frame);

    /**
     * The library is done with this connection: close it and let its resources go. Called exactly
     * once per {@link Transport#open}, also after the app reported closed(); still report
     * closed() on the socket if it was not yet (a second report is ignored).
     */
    void close();
  }
}
