package org.passerelle;

import java.util.Map;

/** A person as the server shows them to themself. */
public final class User {
  public final String id;
  /** "candidate", "mentor", "coach", "admin" or "employer". */
  public final String role;
  public final String email;
  public final String name;
  /** "fr" or "en". */
  public final String locale;

  public User(String id, String role, String email, String name, String locale) {
    this.id = id;
    this.role = role;
    this.email = email;
    this.name = name;
    this.locale = locale;
  }

  static User from(Object json) {
    Map<?, ?> m = Json.obj(json);
    return new User(Json.str(m, "id"), Json.str(m, "role"), Json.str(m, "email"), Json.str(m, "name"),
        Json.str(m, "locale"));
  }

  @Override
  public String toString() {
    return name + " <" + email + "> (" + role + ", " + id + ")";
  }
}
