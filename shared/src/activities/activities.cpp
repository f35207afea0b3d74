#include "passerelle/shared/activities/activities.h"

#include <algorithm>

#include "passerelle/shared/ids.h"
#include "passerelle/shared/sync/row_fields.h"

namespace passerelle::activities {
using passerelle::sync::row_int;
using passerelle::sync::row_string;

std::string_view to_string(Kind kind) noexcept {
  switch (kind) {
    case Kind::speed_jobbing: return "speed_jobbing";
    case Kind::exploration_day: return "exploration_day";
    case Kind::conference: return "conference";
  }
  return "conference";
}

std::optional<Kind> parse_kind(std::string_view text) noexcept {
  for (Kind k : {Kind::speed_jobbing, Kind::exploration_day, Kind::conference})
    if (to_string(k) == text) return k;
  return std::nullopt;
}

SeatDecision decide_registration(const SeatState& s) {
  if (s.confirmed < s.capacity) return SeatDecision{true, 0};
  return SeatDecision{false, s.waitlisted + 1};
}

std::int64_t promotions(const SeatState& s) {
  return std::max<std::int64_t>(0, std::min(s.capacity - s.confirmed, s.waitlisted));
}

std::string registration_id(std::string_view activity_id, std::string_view candidate_id) {
  return Uuid::derived("activity-registration:" + std::string(activity_id) + ":" + std::string(candidate_id)).str();
}

std::string agenda_id(std::string_view activity_id, std::string_view user_id) {
  return Uuid::derived("activity-agenda:" + std::string(activity_id) + ":" + std::string(user_id)).str();
}

std::string kind_label(Kind kind, protocol::Locale locale) {
  bool fr = locale == protocol::Locale::fr;
  switch (kind) {
    case Kind::speed_jobbing: return fr ? "Séance de speed jobbing" : "Speed-jobbing session";
    case Kind::exploration_day: return fr ? "Journée d'exploration de carrière" : "Career exploration day";
    case Kind::conference: return fr ? "Conférence sectorielle" : "Sector conference";
  }
  return "";
}

std::string registration_text(const boost::json::object& r, protocol::Locale locale) {
  bool fr = locale == protocol::Locale::fr;
  std::string status = row_string(r, "status"), reason = row_string(r, "reason");
  std::int64_t position = row_int(r, "position");
  if (status == "requested")
    return fr ? "Inscription envoyée : en attente de la réponse du serveur (elle partira dès que la connexion revient)."
              : "Registration sent: waiting for the server's answer (it goes out as soon as you are back online).";
  if (status == "confirmed") {
    if (reason == "promoted")
      return fr ? "Une place s'est libérée : vous passez de la liste d'attente à une place confirmée."
                : "A seat was freed: you moved from the waiting list to a confirmed seat.";
    return fr ? "Place confirmée." : "Seat confirmed.";
  }
  if (status == "waitlisted") {
    std::string n = std::to_string(position);
    return fr ? "L'activité était complète quand votre inscription est arrivée : vous êtes " +
                    std::string(position == 1 ? "1re" : n + "e") +
                    " sur la liste d'attente. Vous aurez une place si quelqu'un annule."
              : "The activity was full when your registration arrived: you are number " + n +
                    " on the waiting list. You get a seat if someone cancels.";
  }
  if (status == "cancelled") {
    if (reason == "activity_cancelled")
      return fr ? "L'activité a été annulée par l'organisateur." : "The organizer cancelled the activity.";
    return fr ? "Inscription annulée." : "Registration cancelled.";
  }
  return fr ? "État inconnu." : "Unknown status.";
}

}  // namespace passerelle::activities
