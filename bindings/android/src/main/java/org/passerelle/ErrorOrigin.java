package org.passerelle;

/** Where a failure came from: what the app acts on. As {@code psl_origin} in passerelle.h. */
public enum ErrorOrigin {
  NONE(0, "none"),
  /** The server answered with this error: show it (wrong password, forbidden, conflict...). */
  SERVER(1, "server"),
  /** The server could not be reached or the connection failed: retry later. */
  NETWORK(2, "network"),
  /** The device's own files failed, or an internal error: report it. */
  LOCAL(3, "local"),
  /** The app's input was refused before anything was sent: a bug to fix or a field to correct. */
  USAGE(4, "usage");

  public final int value;
  public final String wireName;

  ErrorOrigin(int value, String wireName) {
    this.value = value;
    this.wireName = wireName;
  }

  public static ErrorOrigin fromValue(int value) {
    for (ErrorOrigin o : values()) if (o.value == value) return o;
    return LOCAL;
  }

  public static ErrorOrigin fromWireName(String name) {
    for (ErrorOrigin o : values()) if (o.wireName.equals(name)) return o;
    return LOCAL;
  }
}
