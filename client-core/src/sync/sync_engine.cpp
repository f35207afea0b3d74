#include "sync/sync_engine.h"

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>

#include "files/blob_transfer.h"
#include "messages/conversations.h"
#include "passerelle/shared/sync/collections.h"
#include "passerelle/shared/sync/wire.h"
#include "passerelle/shared/time.h"

namespace passerelle::client {

namespace json = boost::json;
using passerelle::sync::Op;
using passerelle::sync::OpResult;
using passerelle::sync::OpStatus;
using Clock = std::chrono::steady_clock;

std::string_view to_string(SyncState state) noexcept {
  switch (state) {
    case SyncState::offline: return "offline";
    case SyncState::connecting: return "connecting";
    case SyncState::syncing: return "syncing";
    case SyncState::up_to_date: return "up_to_date";
    case SyncState::error: return "error";
  }
  return "offline";
}

// --- Backoff --------------------------------------------------------------------------------

Backoff::Backoff(std::chrono::milliseconds min, std::chrono::milliseconds max, std::uint64_t seed)
    : min_(std::max(min, std::chrono::milliseconds(1))), max_(std::max(max, min_)), rng_(seed) {}

std::chrono::milliseconds Backoff::next() {
  // min * 2^attempt, capped; the shift is capped too so it never overflows.
  auto step = min_.count() << std::min(attempt_, 30);
  if (step > max_.count() || step <= 0) step = max_.count();
  ++attempt_;
  std::uniform_int_distribution<std::int64_t> pick(step / 2, step);
  return std::chrono::milliseconds(pick(rng_));
}

// --- engine ---------------------------------------------------------------------------------

struct SyncEngine::Signal {
  std::mutex m;
  std::condition_variable cv;
  bool stop = false;
  bool poke = false;         // the server said something changed
  bool local_write = false;  // the outbox grew
  bool closed = false;       // the current connection ended
};

namespace {

bool signed_out(const Failure& f) { return f.origin == Origin::server && f.code() == ErrorCode::unauthenticated; }

Failure unexpected(const std::string& what) {
  return Failure{Origin::server, Error{ErrorCode::internal, "the server sent an unexpected answer: " + what}};
}

Clock::time_point far_deadline() { return Clock::now() + std::chrono::hours(24); }

// The hashes of the files a message.send op attaches.
std::vector<std::string> attached_files(const Op& op) {
  std::vector<std::string> out;
  if (op.name != "message.send") return out;
  auto* list = op.args.if_contains("attachments");
  if (!list || !list->is_array()) return out;
  for (const auto& a : list->get_array())
    if (a.is_object())
      if (auto* h = a.get_object().if_contains("sha256"); h && h->is_string()) out.emplace_back(h->get_string());
  return out;
}

// Whether the server's refusal of an upload is final: the same bytes would be refused again.
// Anything else (the server failing, a rate limit, the session) fails the round instead.
bool refused_for_good(const Failure& f) {
  if (f.origin == Origin::local) return true;  // the stored file is gone or unreadable
  if (f.origin != Origin::server) return false;
  auto code = f.code();
  return code != ErrorCode::internal && code != ErrorCode::rate_limited && code != ErrorCode::unauthenticated;
}

}  // namespace

SyncEngine::SyncEngine(SyncEngineConfig config, SyncStore& store, std::mutex& store_mutex, SyncEngineHooks hooks,
                       files::FileStore* files)
    : config_(std::move(config)),
      store_(store),
      store_mutex_(store_mutex),
      hooks_(std::move(hooks)),
      files_(files),
      signal_(std::make_shared<Signal>()),
      backoff_(config_.backoff_min, config_.backoff_max) {}

SyncEngine::~SyncEngine() { stop(); }

void SyncEngine::start() {
  if (thread_.joinable()) return;
  {
    std::lock_guard lock(signal_->m);
    signal_->stop = false;
  }
  thread_ = std::thread([this] { loop(); });
}

void SyncEngine::stop() {
  {
    std::lock_guard lock(signal_->m);
    signal_->stop = true;
  }
  signal_->cv.notify_all();
  if (thread_.joinable()) thread_.join();
}

void SyncEngine::notify_local_write() {
  {
    std::lock_guard lock(signal_->m);
    signal_->local_write = true;
  }
  signal_->cv.notify_all();
}

SyncEngine::Snapshot SyncEngine::snapshot() const {
  std::lock_guard lock(snapshot_mutex_);
  return snapshot_;
}

void SyncEngine::set_state(SyncState state, bool online, std::optional<Failure> error) {
  bool changed;
  {
    std::lock_guard lock(snapshot_mutex_);
    changed = snapshot_.state != state || snapshot_.online != online || error.has_value();
    snapshot_.state = state;
    snapshot_.online = online;
    if (state != SyncState::syncing) snapshot_.progress.reset();
    if (error) snapshot_.last_error = std::move(error);
    // A round that reached the end clears the last error: it no longer describes the present.
    if (state == SyncState::up_to_date) snapshot_.last_error.reset();
  }
  if (changed && hooks_.state_changed) hooks_.state_changed();
}

bool SyncEngine::sleep_until(Deadline deadline) {
  std::unique_lock lock(signal_->m);
  signal_->cv.wait_until(lock, deadline, [&] { return signal_->stop; });
  return signal_->stop;
}

// Waits for the answer slot a connection handler fills, for the deadline, or for stop().
template <class T>
static Outcome<T> wait_for_slot(Clock::time_point deadline, std::mutex& m, std::condition_variable& cv,
                                const bool& stop, std::optional<Outcome<T>>& slot, const std::string& what) {
  std::unique_lock lock(m);
  cv.wait_until(lock, deadline, [&] { return slot.has_value() || stop; });
  if (slot) return std::move(*slot);
  if (stop) return network_failure("sync was stopped");
  return network_failure("timed out waiting for the server (" + what + ")");
}

SyncEngine::PendingCall SyncEngine::send(Connection& c, std::string type, json::object fields) {
  PendingCall pending{std::make_shared<std::optional<Outcome<json::object>>>(), type};
  auto sig = signal_;
  c.request(std::move(type), std::move(fields), [sig, slot = pending.slot](Outcome<json::object> r) {
    {
      std::lock_guard lock(sig->m);
      slot->emplace(std::move(r));
    }
    sig->cv.notify_all();
  });
  return pending;
}

Outcome<json::object> SyncEngine::await(PendingCall& pending, Deadline deadline) {
  return wait_for_slot(deadline, signal_->m, signal_->cv, signal_->stop, *pending.slot, pending.what);
}

Outcome<json::object> SyncEngine::call(Connection& c, std::string type, json::object fields, Deadline deadline) {
  auto pending = send(c, std::move(type), std::move(fields));
  return await(pending, deadline);
}

std::unique_ptr<Connection> SyncEngine::open_session(Deadline deadline, Outcome<Done>& result) {
  auto sig = signal_;
  {
    std::lock_guard lock(sig->m);
    sig->closed = false;
  }
  auto conn = std::make_unique<Connection>(
      config_.connection,
      [sig](const json::object& event) {
        auto type = event.if_contains("type");
        if (!type || !type->is_string() || type->get_string() != "poke") return;
        {
          std::lock_guard lock(sig->m);
          sig->poke = true;
        }
        sig->cv.notify_all();
      },
      [sig](const Failure&) {
        {
          std::lock_guard lock(sig->m);
          sig->closed = true;
        }
        sig->cv.notify_all();
      });
  auto slot = std::make_shared<std::optional<Outcome<Done>>>();
  conn->connect([sig, slot](Outcome<Done> r) {
    {
      std::lock_guard lock(sig->m);
      slot->emplace(std::move(r));
    }
    sig->cv.notify_all();
  });
  auto connected = wait_for_slot(deadline, sig->m, sig->cv, sig->stop, *slot, "connect");
  if (!connected) {
    result = std::move(connected).failure();
    return nullptr;
  }
  auto resumed = call(*conn, "auth.resume", {{"token", config_.token}}, deadline);
  if (!resumed) {
    if (signed_out(resumed.failure())) {
      if (resumed.error().message == protocol::kAccountDeletedMessage && hooks_.account_deleted)
        hooks_.account_deleted();
      else if (hooks_.session_ended)
        hooks_.session_ended();
      result = server_failure(Error{ErrorCode::unauthenticated,
                                    "signed out on the server: log in again (" + resumed.error().message + ")"});
    } else
      result = std::move(resumed).failure();
    return nullptr;
  }
  result = Done{};
  return conn;
}

Outcome<Done> SyncEngine::push_all(Connection& c, Deadline deadline, SyncSummary& summary,
                                   const ProgressHandler& progress) {
  for (;;) {
    // Files first: the server refuses a message whose files it does not have. A message queued
    // while this loop runs may bring a new upload, so each batch checks again.
    if (auto up = upload_pending(deadline, summary); !up) return up;
    std::vector<Op> ops;
    bool held_back = false;
    {
      std::lock_guard lock(store_mutex_);
      auto p = store_.pending(passerelle::sync::kMaxOpsPerPush);
      if (!p) return local_failure(p.error());
      ops = std::move(*p);
      if (files_) {
        auto waiting = files_->pending_uploads();
        if (!waiting) return local_failure(waiting.error());
        std::set<std::string> pending_files;
        for (const auto& u : *waiting) pending_files.insert(u.sha256);
        // An op whose file was queued after the uploads above ran waits, with every op after
        // it (ops go in order), for the next pass of this loop.
        auto first_waiting = std::find_if(ops.begin(), ops.end(), [&](const Op& op) {
          auto hashes = attached_files(op);
          return std::any_of(hashes.begin(), hashes.end(), [&](const std::string& h) { return pending_files.count(h) > 0; });
        });
        held_back = first_waiting != ops.end();
        ops.erase(first_waiting, ops.end());
      }
    }
    if (ops.empty()) {
      if (held_back) continue;
      return Done{};
    }
    // The server refuses frames over its limit (64 KiB by default) and closes the connection,
    // so a batch is also bounded by size: 100 ops of 8 KiB messages would never get through.
    json::array list;
    std::size_t bytes = 64;
    for (std::size_t i = 0; i < ops.size(); ++i) {
      json::object o = passerelle::sync::to_json(ops[i]);
      std::size_t size = json::serialize(o).size() + 1;
      if (i > 0 && bytes + size > config_.max_push_bytes) {
        ops.resize(i);
        break;
      }
      bytes += size;
      list.push_back(std::move(o));
    }
    auto answer = call(c, "push", {{"ops", std::move(list)}}, deadline);
    if (!answer) return std::move(answer).failure();

    std::vector<OpResult> results;
    auto* raw = answer->if_contains("results");
    if (!raw || !raw->is_array()) return unexpected("push answer without 'results'");
    for (const auto& v : raw->get_array()) {
      auto r = passerelle::sync::op_result_from_json(v);
      if (!r) return unexpected(r.error().message);
      results.push_back(std::move(*r));
    }
    // A push answer that answers none of the ops would make this loop send them forever.
    bool answers_any = std::any_of(results.begin(), results.end(), [&](const OpResult& r) {
      return std::any_of(ops.begin(), ops.end(), [&](const Op& op) { return op.op_id == r.op_id; });
    });
    if (!answers_any) return unexpected("push answer names none of the ops sent");

    ChangedRows changed;
    {
      std::lock_guard lock(store_mutex_);
      if (auto st = store_.apply_push_results(results, &changed); !st) return local_failure(st.error());
    }
    std::vector<Rejection> rejected;
    for (const OpResult& r : results) {
      ++summary.pushed;
      if (r.status == OpStatus::applied) {
        ++summary.applied;
        continue;
      }
      ++summary.rejected;
      auto op = std::find_if(ops.begin(), ops.end(), [&](const Op& o) { return o.op_id == r.op_id; });
      Rejection rej{r.op_id, op != ops.end() ? op->name : std::string(), op != ops.end() ? op->args : json::object(),
                    r.error.value_or(Error{ErrorCode::internal, "rejected"}), format_rfc3339(now_utc())};
      rejected.push_back(rej);
      summary.new_rejections.push_back(std::move(rej));
    }
    if (progress) progress(SyncProgress{summary.pushed, summary.pulled_rows, summary.cursor, false, false});
    if (!changed.empty() && hooks_.rows_changed) hooks_.rows_changed(changed);
    if (hooks_.rejected)
      for (const auto& r : rejected) hooks_.rejected(r);
  }
}

Outcome<Done> SyncEngine::pull_all(Connection& c, Deadline deadline, SyncSummary& summary,
                                   const ProgressHandler& progress, std::set<std::string>* pulled_threads) {
  auto pull_request = [&](std::int64_t cursor, std::optional<std::int64_t> horizon) {
    json::object fields{{"cursor", cursor}, {"limit", config_.pull_limit}};
    if (horizon) fields["full_horizon"] = *horizon;
    return fields;
  };
  // The next page is asked for as soon as this one arrives (so it is the only request in
  // flight: a server may allow just one), and the server reads it while the device stores
  // this one (a fresh device's 50 pages overlap instead of taking turns:
  // docs/benchmarks.md). It is used only if, once this page is stored, it is exactly the
  // request the store asks for; otherwise (another epoch, a restart from 0) it is dropped.
  std::optional<std::pair<json::object, PendingCall>> ahead;
  int restarts = 0;
  for (;;) {
    std::int64_t cursor = 0;
    std::optional<std::int64_t> horizon;
    {
      std::lock_guard lock(store_mutex_);
      auto cur = store_.cursor();
      if (!cur) return local_failure(cur.error());
      cursor = *cur;
      horizon = store_.full_pull_horizon();
    }
    json::object fields = pull_request(cursor, horizon);
    // A page asked for in vain is awaited (and dropped) first, so that requests never overlap.
    if (ahead && ahead->first != fields) {
      (void)await(ahead->second, deadline);
      ahead.reset();
    }
    PendingCall pending = ahead ? std::move(ahead->second) : send(c, "pull", fields);
    ahead.reset();
    auto answer = await(pending, deadline);
    if (!answer) return std::move(answer).failure();
    auto page = passerelle::sync::pull_page_from_json(*answer);
    if (!page) return unexpected(page.error().message);
    if (page->more && !page->resync) {
      // What the store will ask for once the page is in: its cursor, and the horizon of a
      // full pull (set by the page that pulled from 0, carried by every page after it).
      auto next = pull_request(page->cursor, cursor == 0 ? std::optional<std::int64_t>(page->horizon) : horizon);
      auto sent = send(c, "pull", next);
      ahead.emplace(std::move(next), std::move(sent));
    }

    if (pulled_threads)
      for (const auto& change : page->changes) {
        if (change.collection == passerelle::sync::collection::threads) pulled_threads->insert(change.id);
        if (change.collection != passerelle::sync::collection::messages || change.deleted) continue;
        if (auto* t = change.data.if_contains("thread_id"); t && t->is_string()) pulled_threads->emplace(t->get_string());
      }
    ChangedRows changed;
    std::int64_t stored_cursor = 0;
    {
      std::lock_guard lock(store_mutex_);
      if (auto st = store_.apply_pull_page(*page, &changed, cursor); !st) return local_failure(st.error());
      auto cur = store_.cursor();
      if (!cur) return local_failure(cur.error());
      stored_cursor = *cur;
    }
    if (!changed.empty() && hooks_.rows_changed) hooks_.rows_changed(changed);
    // The store started again from 0 (resync, another epoch): pull from there. Bounded so a
    // server that keeps asking cannot spin us forever; the next round tries again.
    if (page->resync || stored_cursor != page->cursor) {
      // Another process on this file stored a page first (this one was dropped): go on from
      // its cursor. Only restarts from 0 are bounded.
      bool overtaken = !page->resync && stored_cursor != 0;
      if (!overtaken && ++restarts > 3) return unexpected("the server asked for a resync again and again");
      continue;
    }
    summary.pulled_rows += page->changes.size();
    summary.cursor = page->cursor;
    if (progress) progress(SyncProgress{summary.pushed, summary.pulled_rows, summary.cursor, true, page->more});
    if (!page->more) return Done{};
  }
}

Outcome<Done> SyncEngine::round(Connection& c, Deadline deadline, SyncSummary& summary,
                                const ProgressHandler& progress) {
  if (auto p = push_all(c, deadline, summary, progress); !p) return p;
  std::set<std::string> pulled_threads;
  if (auto p = pull_all(c, deadline, summary, progress, &pulled_threads); !p) return p;
  // What the pull brought is now on this device: say so (delivered), push that, and pull its
  // own echo so the view holds the server's receipt. Once per round: the receipt rows pulled
  // back are not messages of others, so they never ask for another receipt.
  auto queued = queue_receipts(pulled_threads);
  if (!queued) return std::move(queued).failure();
  summary.receipts_queued += *queued;
  if (*queued == 0) return Done{};
  if (auto p = push_all(c, deadline, summary, progress); !p) return p;
  pulled_threads.clear();
  if (auto p = pull_all(c, deadline, summary, progress, &pulled_threads); !p) return p;
  // Messages that arrived in between get their receipt at the next round, not in a loop here.
  queued = queue_receipts(pulled_threads);
  if (!queued) return std::move(queued).failure();
  summary.receipts_queued += *queued;
  if (*queued > 0) notify_local_write();
  return Done{};
}

Outcome<std::size_t> SyncEngine::queue_receipts(const std::set<std::string>& threads) {
  if (!config_.delivery_receipts || threads.empty()) return std::size_t{0};
  ChangedRows changed;
  Result<std::size_t> queued = std::size_t{0};
  {
    std::lock_guard lock(store_mutex_);
    queued = conversations::queue_delivery_receipts(store_, threads, &changed);
  }
  if (!queued) return local_failure(queued.error());
  if (!changed.empty() && hooks_.rows_changed) hooks_.rows_changed(changed);
  return *queued;
}

Outcome<Done> SyncEngine::upload_pending(Deadline deadline, SyncSummary& summary) {
  if (!files_) return Done{};
  for (;;) {
    std::vector<UploadInfo> waiting;
    {
      std::lock_guard lock(store_mutex_);
      auto w = files_->pending_uploads();
      if (!w) return local_failure(w.error());
      waiting = std::move(*w);
    }
    if (waiting.empty()) return Done{};
    for (const UploadInfo& u : waiting) {
      Outcome<files::StoredBlob> sent = local_failure(Error{ErrorCode::internal, "the file " + u.name +
                                                                                     " is no longer on this device"});
      if (auto path = files_->find(u.sha256)) {
        files::TransferOptions o;
        o.server = config_.connection.url;
        o.ca_file = config_.connection.ca_file;
        o.token = config_.token;
        o.connect_timeout = config_.connection.connect_timeout;
        o.stall_timeout = config_.transfer_stall_timeout;
        o.deadline = deadline;
        auto sig = signal_;
        o.cancelled = [sig] {
          std::lock_guard lock(sig->m);
          return sig->stop;
        };
        sent = files::put_blob(o, *path, u.sha256);
      }
      if (!sent && !refused_for_good(sent.failure())) {
        Failure f = std::move(sent).failure();
        if (f.origin == Origin::network) f.error.message = "uploading " + u.name + ": " + f.error.message;
        return f;
      }
      std::lock_guard lock(store_mutex_);
      Status st = sent ? files_->mark_done(u.sha256) : files_->mark_failed(u.sha256, sent.error());
      if (!st) return local_failure(st.error());
      if (sent)
        ++summary.uploaded;
      else
        ++summary.uploads_failed;
    }
  }
}

void SyncEngine::loop() {
  auto stopping = [&] {
    std::lock_guard lock(signal_->m);
    return signal_->stop;
  };
  while (!stopping()) {
    set_state(SyncState::connecting, false, std::nullopt);
    Outcome<Done> opened = Done{};
    auto conn = open_session(far_deadline(), opened);
    if (!opened) {
      if (signed_out(opened.failure())) {
        set_state(SyncState::error, false, opened.failure());
        return;
      }
      if (stopping()) break;
      set_state(SyncState::offline, false, opened.failure());
      if (sleep_until(Clock::now() + backoff_.next())) break;
      continue;
    }
    // Connected: rounds until the connection fails. Every reconnect pulls, so a poke lost
    // while offline costs nothing.
    std::optional<Failure> failure;
    for (;;) {
      {
        std::lock_guard lock(signal_->m);
        signal_->poke = false;
        signal_->local_write = false;
      }
      set_state(SyncState::syncing, true, std::nullopt);
      SyncSummary summary;
      // Observers see "syncing n/m": each push answer and pulled page updates the progress.
      auto report = [this](const SyncProgress& p) {
        {
          std::lock_guard lock(snapshot_mutex_);
          snapshot_.progress = p;
        }
        if (hooks_.state_changed) hooks_.state_changed();
      };
      auto r = round(*conn, far_deadline(), summary, report);
      if (!r) {
        failure = std::move(r).failure();
        break;
      }
      backoff_.reset();
      set_state(SyncState::up_to_date, true, std::nullopt);
      std::unique_lock lock(signal_->m);
      signal_->cv.wait(lock, [&] { return signal_->stop || signal_->poke || signal_->local_write || signal_->closed; });
      if (signal_->stop) break;
      if (signal_->closed) {
        failure = network_failure("the connection to the server at " + config_.connection.url.str() + " was lost");
        break;
      }
    }
    conn.reset();
    if (stopping()) break;
    if (failure && signed_out(*failure)) {
      set_state(SyncState::error, false,
                server_failure(Error{ErrorCode::unauthenticated, "signed out on the server: log in again"}));
      return;
    }
    set_state(SyncState::offline, false, failure);
    if (sleep_until(Clock::now() + backoff_.next())) break;
  }
  set_state(SyncState::offline, false, std::nullopt);
}

Outcome<SyncSummary> SyncEngine::run_once(std::chrono::milliseconds timeout, const ProgressHandler& progress) {
  if (running()) return usage_failure("the background sync is running; it syncs by itself");
  {
    std::lock_guard lock(signal_->m);
    signal_->stop = false;
  }
  auto deadline = Clock::now() + timeout;
  set_state(SyncState::connecting, false, std::nullopt);
  Outcome<Done> opened = Done{};
  auto conn = open_session(deadline, opened);
  if (!opened) {
    set_state(signed_out(opened.failure()) ? SyncState::error : SyncState::offline, false, opened.failure());
    return std::move(opened).failure();
  }
  set_state(SyncState::syncing, true, std::nullopt);
  SyncSummary summary;
  auto r = round(*conn, deadline, summary, progress);
  conn->close();
  conn.reset();
  if (!r) {
    set_state(signed_out(r.failure()) ? SyncState::error : SyncState::offline, false, r.failure());
    return std::move(r).failure();
  }
  set_state(SyncState::up_to_date, false, std::nullopt);
  set_state(SyncState::offline, false, std::nullopt);
  return summary;
}

}  // namespace passerelle::client
