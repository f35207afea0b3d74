// Randomized, seeded convergence: devices make random writes through random disconnects,
// lost answers, device kills and server restarts. At the end every device's view equals what
// the server lets it see, every acknowledged op is applied exactly once, reads were monotonic,
// and a device always read its own writes. Replay a failure with PASSERELLE_SEED=<seed>.
#include <boost/json/serialize.hpp>

#include <cstdlib>
#include <map>

#include "sync_harness.h"

using namespace passerelle;
using namespace passerelle::testing;
using passerelle::protocol::Role;
namespace json = boost::json;

namespace {

std::uint64_t seed_from_env() {
  if (const char* s = std::getenv("PASSERELLE_SEED")) return std::strtoull(s, nullptr, 10);
  return std::random_device{}();
}

using Rows = std::map<std::string, std::string>;  // "collection/id" -> serialized row

Rows view_of(Device& d) {
  Rows rows;
  auto st = d.db->prepare("SELECT collection, id, data FROM view_rows");
  while (*st->step()) rows[st->text(0) + "/" + st->text(1)] = st->text(2);
  return rows;
}

std::map<std::string, std::int64_t> server_seqs_of(Device& d) {
  std::map<std::string, std::int64_t> seqs;
  auto st = d.db->prepare("SELECT collection, id, seq FROM server_rows");
  while (*st->step()) seqs[st->text(0) + "/" + st->text(1)] = st->integer(2);
  return seqs;
}

Rows server_view(FakeServer& s, const std::string& user) {
  Rows rows;
  std::int64_t cursor = 0;
  std::optional<std::int64_t> full_horizon;  // a full pull: pages below the horizon are fine
  for (bool more = true; more;) {
    auto page = server::sync::run_pull(*s.sql, user, cursor, sync::kMaxPullLimit, full_horizon);
    EXPECT_FALSE(page.resync);
    if (page.resync) break;
    full_horizon = page.horizon;
    for (auto& c : page.changes)
      if (c.deleted)
        rows.erase(c.collection + "/" + c.id);
      else
        rows[c.collection + "/" + c.id] = json::serialize(c.data);
    cursor = page.cursor;
    more = page.more;
  }
  return rows;
}

}  // namespace

TEST(Convergence, RandomWritesDisconnectsAndRestarts) {
  const std::uint64_t seed = seed_from_env();
  std::cout << "convergence seed: " << seed << " (replay with PASSERELLE_SEED=" << seed << ")\n";
  SCOPED_TRACE("PASSERELLE_SEED=" + std::to_string(seed));
  std::mt19937_64 rng(seed);
  auto chance = [&](int percent) { return std::uniform_int_distribution<int>(0, 99)(rng) < percent; };
  auto pick = [&](std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng); };

  FakeServer server;
  std::string admin = new_id();
  server.add_user(admin, Role::admin, "Ada");
  const int kCoaches = 3, kCandidates = 9;
  std::vector<std::unique_ptr<Device>> devices;
  std::vector<std::string> coach_ids, thread_of;
  for (int i = 0; i < kCoaches; ++i) {
    coach_ids.push_back(new_id());
    server.add_user(coach_ids.back(), Role::coach, "Coach " + std::to_string(i));
    devices.push_back(std::make_unique<Device>(sync::Actor{coach_ids.back(), Role::coach}, fresh_dir("coach")));
  }
  std::map<std::string, std::string> coach_thread;  // candidate -> current thread
  for (int i = 0; i < kCandidates; ++i) {
    std::string id = new_id(), thread = new_id();
    server.add_user(id, Role::candidate, "Candidate " + std::to_string(i));
    server.push({admin, Role::admin},
                {{new_id(), "caseload.assign", {{"candidate_id", id}, {"coach_id", coach_ids[i % kCoaches]}, {"thread_id", thread}}}});
    devices.push_back(std::make_unique<Device>(sync::Actor{id, Role::candidate}, fresh_dir("cand")));
  }
  for (auto& d : devices) d->pull(server);

  std::set<std::string> acknowledged_ops;  // ops whose "applied" answer reached their device
  std::map<Device*, std::map<std::string, std::int64_t>> last_seqs;
  const int kRounds = 60;
  for (int round = 0; round < kRounds; ++round) {
    for (auto& dev : devices) {
      Device& d = *dev;
      // Random writes while offline or online.
      int writes = static_cast<int>(pick(4));
      for (int w = 0; w < writes; ++w) {
        auto threads = *d.store->list(sync::collection::threads);
        if (!threads.empty() && chance(60)) {
          std::string msg = new_id();
          const auto& t = threads[pick(threads.size())];
          // Device clocks are skewed up to a day either way; they must not matter.
          auto skew = std::chrono::hours(static_cast<int>(pick(49)) - 24);
          auto r = d.store->mutate("message.send",
                                   {{"id", msg},
                                    {"thread_id", t.at("id").as_string()},
                                    {"body", "m" + std::to_string(round)},
                                    {"written_at", format_rfc3339(now_utc() + skew)}},
                                   nullptr);
          ASSERT_TRUE(r.ok()) << r.error().message;
          ASSERT_TRUE(d.store->get("messages", msg)->has_value()) << "read-your-writes";
        } else if (chance(50)) {
          auto mine = *d.store->list(sync::collection::messages, "author_id", d.actor.user_id);
          if (!mine.empty()) {
            ASSERT_TRUE(d.store->mutate("message.delete", {{"id", mine[pick(mine.size())].at("id")}}, nullptr).ok());
          }
        } else {
          ASSERT_TRUE(d.store->mutate("profile.update", {{"bio", "r" + std::to_string(round) + "-" + std::to_string(w)}}, nullptr).ok());
        }
      }
      // A coach sometimes tries to take another coach's candidate: the server must refuse it.
      if (d.actor.role == Role::coach && chance(5)) {
        auto& target = devices[kCoaches + pick(kCandidates)];
        auto r = d.store->mutate("caseload.assign",
                                 {{"candidate_id", target->actor.user_id}, {"coach_id", d.actor.user_id}, {"thread_id", new_id()}},
                                 nullptr);
        (void)r;
      }
      // Connectivity: most devices are offline most of the time.
      if (chance(35)) {
        auto ops = *d.store->pending(1 + pick(10));
        if (!ops.empty()) {
          auto out = server.push(d.actor, ops);
          if (chance(20)) {
            // The answer is lost on the way back: the device will push the same ops again.
          } else {
            ASSERT_TRUE(d.store->apply_push_results(out.results, nullptr).ok());
            for (auto& r : out.results)
              if (r.status == sync::OpStatus::applied) acknowledged_ops.insert(r.op_id);
          }
        }
        if (chance(70)) {
          auto page = server::sync::run_pull(*server.sql, d.actor.user_id, *d.store->cursor(), 1 + pick(20),
                                             d.store->full_pull_horizon());
          ASSERT_TRUE(d.store->apply_pull_page(page, nullptr).ok());
          // Monotonic reads: a row the device holds never goes back to an older version.
          auto now = server_seqs_of(d);
          for (auto& [key, seq] : now) {
            auto before = last_seqs[&d].find(key);
            if (before != last_seqs[&d].end()) ASSERT_GE(seq, before->second) << key;
          }
          last_seqs[&d] = now;
        }
      }
      if (chance(3)) d.reopen();  // kill -9 of the app
    }
    if (chance(5)) server.restart();
    if (chance(3)) {
      soci::transaction tx(*server.sql);
      server::sync::compact_change_log(*server.sql, now_utc() + std::chrono::hours(1));
      tx.commit();
      for (auto& d : devices) last_seqs.erase(d.get());  // a resync may legitimately rewind
    }
  }

  // The link comes back everywhere.
  for (int pass = 0; pass < 2; ++pass)
    for (auto& d : devices) {
      auto ops = *d->store->pending(1000);
      while (!ops.empty()) {
        auto out = server.push(d->actor, ops);
        ASSERT_TRUE(d->store->apply_push_results(out.results, nullptr).ok());
        for (auto& r : out.results)
          if (r.status == sync::OpStatus::applied) acknowledged_ops.insert(r.op_id);
        ops = *d->store->pending(1000);
      }
      d->pull(server);
    }

  for (auto& d : devices) {
    EXPECT_EQ(*d->store->pending_count(), 0);
    Rows mine = view_of(*d), truth = server_view(server, d->actor.user_id);
    std::vector<std::string> diff;
    for (auto& [k, v] : mine)
      if (!truth.count(k)) diff.push_back("extra " + k);
      else if (truth[k] != v) diff.push_back("stale " + k);
    for (auto& [k, v] : truth)
      if (!mine.count(k)) diff.push_back("missing " + k);
    EXPECT_TRUE(diff.empty()) << "device " << d->actor.user_id << " diverged: " << diff.size() << " rows, first: "
                              << (diff.empty() ? "" : diff.front());
  }
  // Exactly once: every acknowledged op has one outcome record, and it says applied.
  for (const auto& op_id : acknowledged_ops) {
    long long n = 0;
    *server.sql << "SELECT COUNT(*) FROM sync_ops WHERE op_id = :o AND status = 'applied'", soci::use(op_id), soci::into(n);
    ASSERT_EQ(n, 1) << op_id;
  }
  long long messages = 0, sends = 0, deletes = 0;
  *server.sql << "SELECT COUNT(*) FROM sync_rows WHERE collection = 'messages' AND deleted = 0", soci::into(messages);
  *server.sql << "SELECT COUNT(*) FROM sync_ops WHERE name = 'message.send' AND status = 'applied'", soci::into(sends);
  *server.sql << "SELECT COUNT(*) FROM sync_ops WHERE name = 'message.delete' AND status = 'applied'", soci::into(deletes);
  EXPECT_EQ(messages, sends - deletes) << "each applied send made one message, each delete removed one";
  EXPECT_GT(acknowledged_ops.size(), 100u);
}
