package org.passerelle;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/** What one {@link Client#syncOnce} round did. */
public final class SyncSummary {
  /** Ops sent and answered. */
  public final long pushed;
  /** ...that the server applied (or had applied before: retries count too). */
  public final long applied;
  /** ...that the server refused: they are in {@link #newRejections} and {@link Client#rejections()}. */
  public final long rejected;
  public final long pulledRows;
  public final long cursor;
  public final List<Rejection> newRejections;

  SyncSummary(long pushed, long applied, long rejected, long pulledRows, long cursor, List<Rejection> newRejections) {
    this.pushed = pushed;
    this.applied = applied;
    this.rejected = rejected;
    this.pulledRows = pulledRows;
    this.cursor = cursor;
    this.newRejections = newRejections;
  }

  static SyncSummary from(Object json) {
    Map<?, ?> m = Json.obj(json);
    List<Rejection> rejections = new ArrayList<>();
    for (Object r : Json.arr(m.get("new_rejections"))) rejections.add(Rejection.from(r));
    return new SyncSummary(Json.num(m, "pushed"), Json.num(m, "applied"), Json.num(m, "rejected"),
        Json.num(m, "pulled_rows"), Json.num(m, "cursor"), Collections.unmodifiableList(rejections));
  }

  @Override
  public String toString() {
    return "pushed " + pushed + " (applied " + applied + ", rejected " + rejected + "), pulled " + pulledRows
        + " rows, cursor " + cursor;
  }
}
