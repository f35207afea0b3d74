package org.passerelle;

import java.util.Map;

/** The account signed in on this device, as the local store knows it. */
public final class Account {
  public final User user;
  /** The server this account signed in to. */
  public final String serverUrl;

  public Account(User user, String serverUrl) {
    this.user = user;
    this.serverUrl = serverUrl;
  }

  static Account from(Object json) {
    Map<?, ?> m = Json.obj(json);
    return new Account(User.from(m.get("user")), Json.str(m, "server_url"));
  }
}
