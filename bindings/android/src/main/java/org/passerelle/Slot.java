package org.passerelle;

import java.util.Map;

/** A free one-hour meeting slot of a mentor (psl_client_slots), in both people's zones. */
public final class Slot {
  /** RFC 3339 UTC, what the meeting.request mutator takes as its start. */
  public final String start;
  public final String end;
  /** RFC 3339 with the offset of the candidate's zone, e.g. "2027-03-09T23:00:00+01:00". */
  public final String localStart;
  public final String timeZone;
  /** The same instant in the mentor's zone. */
  public final String mentorLocalStart;
  public final String mentorTimeZone;
  public final String mentorshipId;

  public Slot(String start, String end, String localStart, String timeZone, String mentorLocalStart,
      String mentorTimeZone, String mentorshipId) {
    this.start = start;
    this.end = end;
    this.localStart = localStart;
    this.timeZone = timeZone;
    this.mentorLocalStart = mentorLocalStart;
    this.mentorTimeZone = mentorTimeZone;
    this.mentorshipId = mentorshipId;
  }

  static Slot from(Object json) {
    Map<?, ?> m = Json.obj(json);
    return new Slot(Json.str(m, "start"), Json.str(m, "end"), Json.str(m, "local_start"), Json.str(m, "time_zone"),
        Json.str(m, "mentor_local_start"), Json.str(m, "mentor_time_zone"), Json.str(m, "mentorship_id"));
  }

  @Override
  public String toString() {
    return localStart + " " + timeZone + " (" + mentorLocalStart + " " + mentorTimeZone + ")";
  }
}
