package org.passerelle;

/**
 * A registered listener. {@link #close()} unregisters it: once it returns the listener is not
 * called again, not even for news already queued on the Executor.
 */
public interface Subscription extends AutoCloseable {
  @Override
  void close();
}
