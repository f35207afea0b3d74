package org.passerelle;

/**
 * The JNI entry points (bindings/android/jni/passerelle_jni.cpp), one per C API function.
 * Strings cross as UTF-8 byte arrays: JNI's own string functions speak "modified UTF-8", which
 * would mangle emoji. Handles are the native Binding pointers. Package-private: use {@link Client}.
 */
final class Native {
  private Native() {}

  static {
    // -Dpasserelle.library=/path/libpasserelle_jni.so (tests, desktop); on Android the APK's
    // jniLibs/<abi>/libpasserelle_jni.so.
    String path = System.getProperty("passerelle.library");
    if (path != null && !path.isEmpty()) System.load(path);
    else System.loadLibrary("passerelle_jni");
  }

  static native byte[] version();
  static native int apiVersion();
  static native byte[] newId();

  static native long open(Client client, byte[] dataDir, byte[] serverUrl, byte[] caFile, int connectTimeoutMs,
      int requestTimeoutMs, int syncBackoffMinMs, int syncBackoffMaxMs, Transport transport);
  static native void close(long handle);
  static native byte[] serverUrl(long handle);
  static native byte[] deviceId(long handle);

  static native byte[] login(long handle, byte[] email, byte[] password);
  static native byte[] resume(long handle);
  static native byte[] acceptInvite(long handle, byte[] token, byte[] name, byte[] password);
  static native byte[] logout(long handle, int flags);
  static native byte[] currentUser(long handle);
  static native void checkServer(long handle, int timeoutMs);

  // Password and sessions (issue #23).
  static native void setDeviceName(long handle, byte[] deviceName);
  static native long changePassword(long handle, byte[] currentPassword, byte[] newPassword);
  static native void requestPasswordReset(long handle, byte[] email);
  static native void resetPasswordWithCode(long handle, byte[] code, byte[] newPassword);
  static native void resetPasswordWithToken(long handle, byte[] token, byte[] newPassword);
  static native byte[] sessions(long handle);
  static native void endSession(long handle, byte[] sessionId);
  static native long endAllSessions(long handle, byte[] userId);

  static native void startSync(long handle);
  static native void stopSync(long handle);
  static native byte[] syncOnce(long handle, int timeoutMs);
  static native byte[] status(long handle);
  static native byte[] rejections(long handle);
  static native void dismissRejection(long handle, byte[] opId);
  static native byte[] pendingOps(long handle);

  static native byte[] mutate(long handle, byte[] name, byte[] argsJson);
  static native byte[] get(long handle, byte[] collection, byte[] id);
  static native byte[] list(long handle, byte[] collection, byte[] field, byte[] value);

  static native byte[] threads(long handle);
  static native long unreadTotal(long handle);
  static native byte[] threadMessages(long handle, byte[] threadId);
  static native byte[] sendMessage(long handle, byte[] threadId, byte[] body, byte[][] files);
  static native void markRead(long handle, byte[] threadId);
  static native byte[] downloadFile(long handle, byte[] sha256, byte[] destination);
  static native byte[] slots(long handle, byte[] mentorshipId, int days);

  static native long observeRows(long handle, long listenerId);
  static native long observeSyncState(long handle, long listenerId);
  static native long observeRejections(long handle, long listenerId);
  static native void unobserve(long handle, long token);

  // The app's reports on a host transport's socket (TransportSocket), a psl_socket pointer each.
  static native void socketOpened(long socket);
  static native void socketReceived(long socket, byte[] frame);
  static native void socketClosed(long socket, byte[] reason);

  static native void debugThrowForTest(long handle, int kind);
}
