// Pokes that carry the change (docs/sync.md, "Live"). After a push commits, the rows it wrote
// go to every connected session of their readers inside the poke, so a device that is caught up
// applies them as a pull page and pulls nothing. The frames are built here once per audience
// (the readers who see the same changes), not once per session.
//
//   auto poke = sync::live_poke(sql, outcome);    // on the writer, inside the push's transaction
//   ...COMMIT...
//   hub.send_poke(poke);                          // every session: carried frame or plain poke
#pragma once

#include <soci/soci.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "sync/change_log.h"

namespace passerelle::server::sync {

struct LivePoke {
  std::int64_t first = 0, last = 0;  // the seqs of the commit's changes (last: the poke's seq)
  std::string plain;                 // {"type":"poke","seq":last}: for sessions that did not ask
  // For each reader: the highest seq of a change they could see before `first` (their `prev`),
  // and which entry of `audiences` holds their changes. Empty: nothing carried, plain pokes only.
  struct Reader {
    std::int64_t prev = 0;
    std::size_t audience = 0;
  };
  std::map<std::string, Reader> readers;
  std::vector<std::string> audiences;  // the inside of the `changes` array, one per audience
  std::vector<std::string> users;      // everyone to poke (readers and those who lost a row)

  bool carried() const { return !readers.empty(); }
  // The frame for one reader (carried) or the plain poke.
  std::string frame_for(const std::string& user) const;
};

// Pokes bigger than this carry nothing (the device pulls): a push of a hundred long messages
// would otherwise hold every session's queue.
inline constexpr std::size_t kMaxCarriedBytes = 256 * 1024;

// Builds the poke of a push from the rows it wrote. Runs inside the push's transaction, after
// its writes, on the writer's connection: the readers' `prev` are read there, where nothing can
// commit in between. Rows read through a role audience (plan templates) are never carried: the
// poke is then plain. `users` are the push's touched users.
// `latest`, when given, is what storage::readers_latest_sql() answered for
// poke_reader_names(written) and the lowest written seq (a push reads it in its last pipeline on
// PostgreSQL); otherwise it is read here.
LivePoke live_poke(soci::session& sql, const std::vector<WrittenRow>& written, std::int64_t last_seq,
                   const std::vector<std::string>& users,
                   const std::map<std::string, std::int64_t>* latest = nullptr);
// Whose latest change below the commit live_poke needs (every role audience, then each reader
// of the written rows); empty when the poke carries nothing (nothing written, or a row read
// through a role audience).
std::vector<std::string> poke_reader_names(const std::vector<WrittenRow>& written);

// The same poke rebuilt on another instance (several instances on PostgreSQL) from the commit's
// seqs and the readers' `prev`: each changed row is read once, whatever the number of sessions.
LivePoke load_live_poke(soci::session& sql, std::int64_t first, std::int64_t last,
                        const std::map<std::string, std::int64_t>& prevs);

// What the instance that committed relays to the others: the seqs and each reader's prev
// (not the rows: a notification holds at most 8000 bytes). Empty when the poke carries nothing.
std::string relay_notice(const LivePoke& poke);
bool parse_relay_notice(const std::string& text, std::int64_t& first, std::int64_t& last,
                        std::map<std::string, std::int64_t>& prevs);

}  // namespace passerelle::server::sync
