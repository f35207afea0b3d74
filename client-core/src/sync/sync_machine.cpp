#include "sync/sync_machine.h"

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cstdio>

#include "messages/conversations.h"
#include "passerelle/shared/protocol.h"
#include "passerelle/shared/sync/collections.h"
#include "passerelle/shared/sync/wire.h"
#include "passerelle/shared/time.h"
#include "sync/pull_answer.h"

namespace passerelle::client {

namespace json = boost::json;
using passerelle::sync::Op;
using passerelle::sync::OpResult;
using passerelle::sync::OpStatus;

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

// --- helpers --------------------------------------------------------------------------------

namespace {

bool signed_out(const Failure& f) { return f.origin == Origin::server && f.code() == ErrorCode::unauthenticated; }

Failure unexpected(const std::string& what) {
  return Failure{Origin::server, Error{ErrorCode::internal, "the server sent an unexpected answer: " + what}};
}

std::string seconds_text(std::chrono::milliseconds ms) {
  auto s = std::chrono::duration<double>(ms).count();
  char buf[32];
  std::snprintf(buf, sizeof buf, s == static_cast<long long>(s) ? "%.0f s" : "%.1f s", s);
  return buf;
}

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

json::object pull_request(std::int64_t cursor, std::optional<std::int64_t> horizon, std::int64_t limit) {
  json::object fields{{"cursor", cursor}, {"limit", limit}};
  if (horizon) fields["full_horizon"] = *horizon;
  return fields;
}

}  // namespace

// --- the engine -----------------------------------------------------------------------------

SyncMachine::SyncMachine(SyncMachineConfig config, SyncStore& store, std::mutex& store_mutex, files::FileStore* files)
    : config_(std::move(config)),
      where_(config_.server.empty() ? config_.url : config_.server),
      store_(store),
      store_mutex_(store_mutex),
      files_(files),
      backoff_(config_.backoff_min, config_.backoff_max, config_.backoff_seed) {}

std::vector<SyncAction> SyncMachine::feed(const SyncEvent& event) {
  out_.clear();
  last_frame_unreadable_ = false;
  if (phase_ == Phase::ended) return {};
  if (held_page_) {
    // Whatever the event, the page held is stored first: events are handled in the order they
    // came, as if it had been stored on arrival (its own timer then finds nothing to do).
    PulledPage page = std::move(*held_page_);
    held_page_.reset();
    store_page(page);
    if (phase_ == Phase::ended) return std::move(out_);
  }
  using K = SyncEvent::Kind;
  switch (event.kind) {
    case K::start:
      if (phase_ != Phase::idle) break;
      if (config_.once && config_.deadline.count() > 0) {
        SyncAction a = action(SyncAction::Kind::arm_timer);
        a.timer = kDeadlineTimer;
        a.delay = config_.deadline;
        emit(std::move(a));
      }
      connect();
      break;
    case K::socket_opened:
      if (phase_ != Phase::connecting) break;
      phase_ = Phase::hello;
      send_request(Call::hello, "hello", {{"protocol", protocol::kVersion}, {passerelle::sync::kLiveRowsField, true}});
      break;
    case K::frame_received:
      if (socket_) on_frame(event.frame);
      break;
    case K::socket_closed:
      if (!socket_) break;
      fail(event.failure.value_or(network_failure("the connection to the server at " + where_ + " was lost")));
      break;
    case K::timer_fired:
      if (event.timer == kBackoffTimer) {
        if (phase_ == Phase::backoff) connect();
      } else if (event.timer == kDeadlineTimer) {
        fail(network_failure("timed out waiting for the server (" + (awaiting_.empty() ? "connect" : awaiting_) + ")"));
      } else if (auto it = pending_.find(event.timer); it != pending_.end()) {
        fail(network_failure("the server at " + where_ + " did not answer within " +
                             seconds_text(config_.request_timeout)));
      }
      break;
    case K::local_write:
      local_write_ = true;
      if (phase_ == Phase::waiting) {
        begin_round();
      } else if (phase_ == Phase::backoff) {
        // Someone just wrote: try the link now instead of at the end of a backoff that may have
        // grown to a minute (a phone's network comes back without telling anyone). A failed try
        // backs off further, as any other, so writes made offline cost one try each at most.
        SyncAction cancel = action(SyncAction::Kind::cancel_timer);
        cancel.timer = kBackoffTimer;
        emit(std::move(cancel));
        connect();
      }
      break;
    case K::upload_done:
      on_uploaded(event);
      break;
    case K::stop:
      stop();
      break;
  }
  return std::move(out_);
}

void SyncMachine::connect() {
  set_state(SyncState::connecting, false, std::nullopt);
  phase_ = Phase::connecting;
  awaiting_ = "connect";
  socket_ = true;
  SyncAction a = action(SyncAction::Kind::open_socket);
  a.url = config_.url;
  emit(std::move(a));
}

std::int64_t SyncMachine::send_request(Call call, std::string type, json::object fields) {
  std::int64_t id = next_id_++;
  std::string frame = protocol::serialize_request(id, type, std::move(fields));
  if (frame.size() > config_.max_frame) {
    fail(usage_failure("the request is too large (" + std::to_string(frame.size()) + " bytes; the limit is " +
                       std::to_string(config_.max_frame) + ")"));
    return 0;
  }
  pending_.emplace(id, call);
  awaiting_ = type;
  SyncAction send = action(SyncAction::Kind::send_frame);
  send.frame = std::move(frame);
  emit(std::move(send));
  SyncAction timer = action(SyncAction::Kind::arm_timer);
  timer.timer = id;
  timer.delay = config_.request_timeout;
  emit(std::move(timer));
  return id;
}

void SyncMachine::on_frame(const std::string& frame) {
  // The frames a device receives most, read without building their JSON objects when they are
  // the usual ones (pull_answer.h; anything else is read below, as always): a pull's pages (a
  // first sync's whole cost in the browser, docs/benchmarks.md), and, during a push round on a
  // new socket, the carried pokes of its own pushes that it cannot store yet (as big as the
  // pushes). The prefixes are how the server writes them (protocol::serialize_ok and
  // serialize_event put these fields first); another order only takes the usual way.
  std::string_view text(frame);
  if (text.starts_with(R"({"re":)") && pull_in_flight()) {
    if (auto pulled = read_pull_answer(text)) {
      auto it = pending_.find(pulled->re);
      if (it != pending_.end() && it->second == Call::pull) {
        pending_.erase(it);
        SyncAction cancel = action(SyncAction::Kind::cancel_timer);
        cancel.timer = pulled->re;
        emit(std::move(cancel));
        return on_page(std::move(pulled->page));
      }
    }
  } else if (text.starts_with(R"({"type":"poke")") && !carried_pokes_usable()) {
    if (auto type = read_event_type(text); type && *type == "poke") return on_plain_poke();
  }
  auto message = protocol::parse_server_message(frame);
  if (!message) {  // unreadable frame: nothing to correlate it with
    last_frame_unreadable_ = true;
    return;
  }
  if (!message->re) {
    if (message->type == "poke") on_poke(message->body);
    return;
  }
  auto it = pending_.find(*message->re);
  if (it == pending_.end()) return;  // timed out already, or from another socket
  Call call = it->second;
  pending_.erase(it);
  SyncAction cancel = action(SyncAction::Kind::cancel_timer);
  cancel.timer = *message->re;
  emit(std::move(cancel));
  if (message->ok) {
    message->body.erase("re");
    message->body.erase("ok");
    on_answer(call, *message->re, std::move(message->body));
  } else {
    on_answer(call, *message->re, server_failure(*message->error));
  }
}

bool SyncMachine::pull_in_flight() const {
  return std::any_of(pending_.begin(), pending_.end(),
                     [](const auto& p) { return p.second == Call::pull || p.second == Call::pull_in_vain; });
}

bool SyncMachine::carried_pokes_usable() const {
  // Carried changes are stored like a pull page, by the same code, when nothing else is pulling
  // (a page in flight may be older or newer: the pull that follows sorts it out).
  return live_rows_ && caught_up_ && !pull_in_flight() && (phase_ == Phase::waiting || phase_ == Phase::syncing);
}

void SyncMachine::on_poke(const json::object& event) {
  if (carried_pokes_usable()) {
    auto live = passerelle::sync::live_poke_from_json(event);
    if (live && live->prev) {
      ChangedRows changed;
      Result<bool> stored = false;
      std::set<std::string> threads;
      for (const auto& change : live->changes) {
        if (change.collection == passerelle::sync::collection::threads) threads.insert(change.id);
        if (change.collection != passerelle::sync::collection::messages || change.deleted) continue;
        if (auto* t = change.data.if_contains("thread_id"); t && t->is_string()) threads.emplace(t->get_string());
      }
      {
        std::lock_guard lock(store_mutex_);
        stored = store_.apply_live_changes(*live, &changed);
      }
      if (!stored) return fail(local_failure(stored.error()));
      if (*stored) {
        if (!changed.empty()) {
          SyncAction a = action(SyncAction::Kind::rows_changed);
          a.rows = std::move(changed);
          emit(std::move(a));
        }
        // Delivered, as after a pull: the receipts go out with the next push.
        if (config_.delivery_receipts && !threads.empty()) {
          ChangedRows receipts;
          Result<std::size_t> queued = std::size_t{0};
          {
            std::lock_guard lock(store_mutex_);
            queued = conversations::queue_delivery_receipts(store_, threads, &receipts);
          }
          if (!queued) return fail(local_failure(queued.error()));
          if (!receipts.empty()) {
            SyncAction a = action(SyncAction::Kind::rows_changed);
            a.rows = std::move(receipts);
            emit(std::move(a));
          }
          if (*queued > 0) {
            local_write_ = true;
            if (phase_ == Phase::waiting) begin_round();
          }
        }
        return;
      }
    }
  }
  on_plain_poke();  // a plain poke, or a gap before the carried changes
}

void SyncMachine::on_plain_poke() {
  poke_ = true;  // pull
  if (phase_ == Phase::waiting) begin_round();
}

void SyncMachine::on_answer(Call call, std::int64_t id, Outcome<json::object> answer) {
  switch (call) {
    case Call::hello:
      if (!answer) {
        Failure f = std::move(answer).failure();
        if (f.origin == Origin::server)
          f.error.message = "the server at " + where_ + " refused this client's protocol: " + f.error.message;
        fail(std::move(f));
        return;
      }
      {
        auto* live = answer->if_contains(passerelle::sync::kLiveRowsField);
        live_rows_ = live && live->is_bool() && live->get_bool();
        // A server that announces no window takes one push at a time.
        auto* window = answer->if_contains(passerelle::sync::kPushWindowField);
        push_window_ = window && window->is_int64() && window->as_int64() > 1
                           ? std::min(window->as_int64(), std::max<std::int64_t>(config_.max_push_window, 1))
                           : 1;
      }
      phase_ = Phase::resuming;
      send_request(Call::resume, "auth.resume", {{"token", config_.token}});
      return;
    case Call::resume: on_resumed(std::move(answer)); return;
    case Call::push: on_pushed(id, std::move(answer)); return;
    case Call::pull: on_pulled(std::move(answer)); return;
    case Call::pull_in_vain:
      // The page asked for ahead that the store no longer wants: dropped, and only now is the
      // right one asked for, so that pulls never overlap.
      ahead_.reset();
      next_pull();
      return;
  }
}

void SyncMachine::on_resumed(Outcome<json::object> answer) {
  if (!answer) {
    if (signed_out(answer.failure())) {
      const std::string& why = answer.error().message;
      emit(action(why == protocol::kAccountDeletedMessage ? SyncAction::Kind::account_deleted
                                                          : SyncAction::Kind::session_ended));
      fail(server_failure(Error{ErrorCode::unauthenticated, "signed out on the server: log in again (" + why + ")"}));
    } else {
      fail(std::move(answer).failure());
    }
    return;
  }
  begin_round();
}

// --- the round ------------------------------------------------------------------------------

void SyncMachine::begin_round() {
  // Every (re)connect and every poke or local write starts a round: a poke lost while offline
  // costs nothing.
  poke_ = false;
  local_write_ = false;
  phase_ = Phase::syncing;
  step_ = Step::push;
  round_pushes_live_ = true;
  summary_ = SyncSummary{};
  pulled_threads_.clear();
  set_state(SyncState::syncing, true, std::nullopt);
  continue_push();
}

void SyncMachine::continue_push() {
  for (;;) {
    // Up to the window: the rest goes out as answers come back (on_pushed calls again).
    if (static_cast<std::int64_t>(pushing_.size()) >= push_window_) return;
    // Files first: the server refuses a message whose files it does not have. A message queued
    // while the round runs may bring a new upload, so each batch checks again.
    std::vector<UploadInfo> waiting;
    if (files_) {
      std::lock_guard lock(store_mutex_);
      auto w = files_->pending_uploads();
      if (!w) return fail(local_failure(w.error()));
      waiting = std::move(*w);
    }
    if (!waiting.empty()) {
      // Uploads go between pushes, as with one push in flight: once those sent are answered.
      if (!pushing_.empty()) return;
      const UploadInfo& u = waiting.front();
      auto path = files_->find(u.sha256);
      if (!path) {
        // The stored file is gone: refused for good, as the server would refuse it.
        std::lock_guard lock(store_mutex_);
        Status st = files_->mark_failed(
            u.sha256, Error{ErrorCode::internal, "the file " + u.name + " is no longer on this device"});
        if (!st) return fail(local_failure(st.error()));
        ++summary_.uploads_failed;
        continue;
      }
      uploading_ = u.sha256;
      uploading_name_ = u.name;
      awaiting_ = "upload";
      SyncAction a = action(SyncAction::Kind::start_upload);
      a.sha256 = u.sha256;
      a.path = path->string();
      a.name = u.name;
      emit(std::move(a));
      return;
    }

    std::vector<Op> ops;
    bool held_back = false;
    {
      std::lock_guard lock(store_mutex_);
      // The outbox after the ops in flight (they are its oldest: answered ops leave it).
      auto p = store_.pending(passerelle::sync::kMaxOpsPerPush,
                              pushing_.empty() ? std::string_view() : pushing_.back().ops.back().op_id);
      if (!p) return fail(local_failure(p.error()));
      ops = std::move(*p);
      if (files_) {
        auto still = files_->pending_uploads();
        if (!still) return fail(local_failure(still.error()));
        std::set<std::string> pending_files;
        for (const auto& u : *still) pending_files.insert(u.sha256);
        // An op whose file was queued after the uploads above ran waits, with every op after
        // it (ops go in order), for the next pass.
        auto first_waiting = std::find_if(ops.begin(), ops.end(), [&](const Op& op) {
          auto hashes = attached_files(op);
          return std::any_of(hashes.begin(), hashes.end(), [&](const std::string& h) { return pending_files.count(h) > 0; });
        });
        held_back = first_waiting != ops.end();
        ops.erase(first_waiting, ops.end());
      }
    }
    if (ops.empty()) {
      if (!pushing_.empty()) return;  // the answers of those in flight come first
      if (held_back) continue;
      return after_push();
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
    json::object fields{{"ops", std::move(list)}};
    // The push this one follows, still unanswered: if it fails, the server fails this one too
    // rather than run its ops before those (docs/protocol.md, `push`).
    if (!pushing_.empty()) fields[passerelle::sync::kPushAfterField] = pushing_.back().id;
    std::int64_t id = send_request(Call::push, "push", std::move(fields));
    if (id == 0) return;  // failed
    pushing_.push_back(PushInFlight{id, std::move(ops)});
  }
}

void SyncMachine::on_uploaded(const SyncEvent& event) {
  if (!uploading_ || *uploading_ != event.sha256 || phase_ != Phase::syncing) return;  // from a round that failed
  uploading_.reset();
  const std::optional<Failure>& failure = event.failure;
  if (failure && !refused_for_good(*failure)) {
    Failure f = *failure;
    if (f.origin == Origin::network) f.error.message = "uploading " + uploading_name_ + ": " + f.error.message;
    return fail(std::move(f));
  }
  {
    std::lock_guard lock(store_mutex_);
    Status st = failure ? files_->mark_failed(event.sha256, failure->error) : files_->mark_done(event.sha256);
    if (!st) return fail(local_failure(st.error()));
  }
  if (failure)
    ++summary_.uploads_failed;
  else
    ++summary_.uploaded;
  continue_push();
}

void SyncMachine::on_pushed(std::int64_t id, Outcome<json::object> answer) {
  if (!answer) return fail(std::move(answer).failure());
  // A server answers a connection's pushes in the order they were sent.
  if (pushing_.empty() || pushing_.front().id != id) return fail(unexpected("push answers out of order"));
  std::vector<Op> ops = std::move(pushing_.front().ops);
  pushing_.pop_front();
  std::vector<OpResult> results;
  auto* raw = answer->if_contains("results");
  if (!raw || !raw->is_array()) return fail(unexpected("push answer without 'results'"));
  for (const auto& v : raw->get_array()) {
    auto r = passerelle::sync::op_result_from_json(v);
    if (!r) return fail(unexpected(r.error().message));
    results.push_back(std::move(*r));
  }
  // A push answer that answers none of the ops would make the round send them forever.
  bool answers_any = std::any_of(results.begin(), results.end(), [&](const OpResult& r) {
    return std::any_of(ops.begin(), ops.end(), [&](const Op& op) { return op.op_id == r.op_id; });
  });
  if (!answers_any) return fail(unexpected("push answer names none of the ops sent"));
  // The server says a poke carrying this push's changes to this device follows the answer.
  if (auto* live = answer->if_contains(passerelle::sync::kLiveRowsField); !live || !live->is_bool() || !live->get_bool())
    round_pushes_live_ = false;

  ChangedRows changed;
  {
    std::lock_guard lock(store_mutex_);
    if (auto st = store_.apply_push_results(results, &changed); !st) return fail(local_failure(st.error()));
  }
  std::vector<Rejection> rejected;
  for (const OpResult& r : results) {
    ++summary_.pushed;
    if (r.status == OpStatus::applied) {
      ++summary_.applied;
      continue;
    }
    ++summary_.rejected;
    auto op = std::find_if(ops.begin(), ops.end(), [&](const Op& o) { return o.op_id == r.op_id; });
    Rejection rej{r.op_id, op != ops.end() ? op->name : std::string(), op != ops.end() ? op->args : json::object(),
                  r.error.value_or(Error{ErrorCode::internal, "rejected"}), format_rfc3339(now_utc())};
    rejected.push_back(rej);
    summary_.new_rejections.push_back(std::move(rej));
  }
  report_progress(false, false);
  if (!changed.empty()) {
    SyncAction a = action(SyncAction::Kind::rows_changed);
    a.rows = std::move(changed);
    emit(std::move(a));
  }
  for (auto& r : rejected) {
    SyncAction a = action(SyncAction::Kind::rejected);
    a.rejection = std::move(r);
    emit(std::move(a));
  }
  continue_push();
}

void SyncMachine::after_push() {
  // Every push of the round comes back in a carried poke, and this device was caught up: no
  // pull (the poke stores the changes, or pulls if something came in between). A round with
  // no push (a poke, a reconnect) pulls.
  bool pushed = summary_.pushed > 0;
  if (live_rows_ && caught_up_ && pushed && round_pushes_live_ && !poke_) return round_done();
  step_ = step_ == Step::push ? Step::pull : Step::pull_receipts;
  restarts_ = 0;
  next_pull();
}

void SyncMachine::next_pull() {
  std::int64_t cursor = 0;
  std::optional<std::int64_t> horizon;
  {
    std::lock_guard lock(store_mutex_);
    auto cur = store_.cursor();
    if (!cur) return fail(local_failure(cur.error()));
    cursor = *cur;
    horizon = store_.full_pull_horizon();
  }
  json::object fields = pull_request(cursor, horizon, config_.pull_limit);
  pull_cursor_ = cursor;
  pull_horizon_ = horizon;
  if (ahead_) {
    if (ahead_->first == fields) {
      pull_id_ = ahead_->second;
      pending_[pull_id_] = Call::pull;
      awaiting_ = "pull";
      ahead_.reset();
      return;
    }
    // A page asked for in vain is awaited (and dropped) first, so that requests never overlap.
    pending_[ahead_->second] = Call::pull_in_vain;
    return;
  }
  pull_id_ = send_request(Call::pull, "pull", std::move(fields));
}

void SyncMachine::on_pulled(Outcome<json::object> answer) {
  if (!answer) return fail(std::move(answer).failure());
  auto page = passerelle::sync::pull_page_from_json(std::move(*answer));
  if (!page) return fail(unexpected(page.error().message));
  on_page(pulled_page_text(*page));
}

void SyncMachine::on_page(PulledPage page) {
  if (page.more && !page.resync) {
    // The next page is asked for as soon as this one arrives (so it is the only request in
    // flight: a server may allow just one), and the server reads it while the device stores
    // this one (a fresh device's 50 pages overlap instead of taking turns:
    // docs/benchmarks.md). It is used only if, once this page is stored, it is exactly the
    // request the store asks for; otherwise (another epoch, a restart from 0) it is dropped.
    // What the store will ask for: its cursor, and the horizon of a full pull (set by the page
    // that pulled from 0, carried by every page after it).
    auto next = pull_request(page.cursor,
                             pull_cursor_ == 0 ? std::optional<std::int64_t>(page.horizon) : pull_horizon_,
                             config_.pull_limit);
    std::int64_t id = send_request(Call::pull, "pull", next);
    if (id == 0) return;
    ahead_.emplace(std::move(next), id);
    // A host carries out the actions once feed() returns: storing this page here would hold
    // the request above back until the page is stored, so the server would wait for the
    // device, then the device for the server (in the browser a page's storing takes about
    // 100 ms, the server's next page some 40 ms: docs/benchmarks.md, "The browser"). So the
    // page is stored at the next event, which a 0 ms timer makes come at once.
    held_page_ = std::move(page);
    SyncAction store = action(SyncAction::Kind::arm_timer);
    store.timer = kStorePageTimer;
    store.delay = std::chrono::milliseconds(0);
    emit(std::move(store));
    return;
  }
  store_page(page);
}

void SyncMachine::store_page(const PulledPage& page) {
  // The page's threads, each once: a page's messages are mostly of a few threads, and a set's
  // emplace makes its node (and copies the id) before it finds the thread already there.
  std::vector<std::string_view> threads;
  for (const auto& row : page.rows) {
    std::string_view collection = page[row.collection];
    if (collection == passerelle::sync::collection::threads) threads.push_back(page[row.id]);
    if (collection != passerelle::sync::collection::messages || row.deleted) continue;
    if (row.thread_id.size > 0 && (threads.empty() || threads.back() != page[row.thread_id]))
      threads.push_back(page[row.thread_id]);
  }
  std::sort(threads.begin(), threads.end());
  threads.erase(std::unique(threads.begin(), threads.end()), threads.end());
  for (std::string_view t : threads) pulled_threads_.emplace(t);
  ChangedRows changed;
  std::int64_t stored_cursor = 0;
  {
    std::lock_guard lock(store_mutex_);
    if (auto st = store_.apply_pull_page(page, &changed, pull_cursor_); !st) return fail(local_failure(st.error()));
    auto cur = store_.cursor();
    if (!cur) return fail(local_failure(cur.error()));
    stored_cursor = *cur;
  }
  if (!changed.empty()) {
    SyncAction a = action(SyncAction::Kind::rows_changed);
    a.rows = std::move(changed);
    emit(std::move(a));
  }
  // The store started again from 0 (resync, another epoch): pull from there. Bounded so a
  // server that keeps asking cannot spin us forever; the next round tries again.
  if (page.resync || stored_cursor != page.cursor) {
    // Another process on this file stored a page first (this one was dropped): go on from
    // its cursor. Only restarts from 0 are bounded.
    bool overtaken = !page.resync && stored_cursor != 0;
    if (!overtaken && ++restarts_ > 3) return fail(unexpected("the server asked for a resync again and again"));
    return next_pull();
  }
  summary_.pulled_rows += page.rows.size();
  summary_.cursor = page.cursor;
  report_progress(true, page.more);
  if (!page.more) {
    caught_up_ = true;
    return after_pull();
  }
  next_pull();
}

void SyncMachine::after_pull() {
  // What the pull brought is now on this device: say so (delivered), push that, and pull its
  // own echo so the view holds the server's receipt. Once per round: the receipt rows pulled
  // back are not messages of others, so they never ask for another receipt.
  auto queued = queue_receipts();
  if (!queued) return fail(std::move(queued).failure());
  summary_.receipts_queued += *queued;
  pulled_threads_.clear();
  if (step_ == Step::pull && *queued > 0) {
    step_ = Step::push_receipts;
    return continue_push();
  }
  // Messages that arrived in between get their receipt at the next round, not in a loop here.
  if (step_ == Step::pull_receipts && *queued > 0) local_write_ = true;
  round_done();
}

Outcome<std::size_t> SyncMachine::queue_receipts() {
  if (!config_.delivery_receipts || pulled_threads_.empty()) return std::size_t{0};
  ChangedRows changed;
  Result<std::size_t> queued = std::size_t{0};
  {
    std::lock_guard lock(store_mutex_);
    queued = conversations::queue_delivery_receipts(store_, pulled_threads_, &changed);
  }
  if (!queued) return local_failure(queued.error());
  if (!changed.empty()) {
    SyncAction a = action(SyncAction::Kind::rows_changed);
    a.rows = std::move(changed);
    emit(std::move(a));
  }
  return *queued;
}

void SyncMachine::round_done() {
  if (config_.once) {
    drop_socket();
    SyncAction cancel = action(SyncAction::Kind::cancel_timer);
    cancel.timer = kDeadlineTimer;
    emit(std::move(cancel));
    set_state(SyncState::up_to_date, false, std::nullopt);
    set_state(SyncState::offline, false, std::nullopt);
    phase_ = Phase::ended;
    SyncAction done = action(SyncAction::Kind::finished);
    done.summary = std::move(summary_);
    emit(std::move(done));
    return;
  }
  backoff_.reset();
  phase_ = Phase::waiting;
  awaiting_.clear();
  set_state(SyncState::up_to_date, true, std::nullopt);
  if (poke_ || local_write_) begin_round();
}

// --- failures and the end -------------------------------------------------------------------

void SyncMachine::drop_socket() {
  for (const auto& [id, call] : pending_) {
    SyncAction cancel = action(SyncAction::Kind::cancel_timer);
    cancel.timer = id;
    emit(std::move(cancel));
  }
  pending_.clear();
  ahead_.reset();
  live_rows_ = false;  // until the next socket's hello says so, and its first pull is done
  caught_up_ = false;
  if (uploading_) emit(action(SyncAction::Kind::cancel_upload));
  uploading_.reset();
  pushing_.clear();
  push_window_ = 1;  // until the next socket's hello says otherwise
  if (socket_) emit(action(SyncAction::Kind::close_socket));
  socket_ = false;
}

void SyncMachine::fail(Failure failure) {
  if (phase_ == Phase::ended) return;
  bool resume_refused = phase_ == Phase::resuming;
  drop_socket();
  if (config_.once) {
    SyncAction cancel = action(SyncAction::Kind::cancel_timer);
    cancel.timer = kDeadlineTimer;
    emit(std::move(cancel));
    set_state(signed_out(failure) ? SyncState::error : SyncState::offline, false, failure);
    phase_ = Phase::ended;
    SyncAction done = action(SyncAction::Kind::finished);
    done.failure = std::move(failure);
    emit(std::move(done));
    return;
  }
  if (signed_out(failure)) {
    // The session is over: nothing to retry until someone signs in again. A refused resume
    // says why (on_resumed); a session ended in the middle of a round says to log in again.
    if (!resume_refused)
      failure = server_failure(Error{ErrorCode::unauthenticated, "signed out on the server: log in again"});
    set_state(SyncState::error, false, std::move(failure));
    phase_ = Phase::ended;
    return;
  }
  set_state(SyncState::offline, false, std::move(failure));
  phase_ = Phase::backoff;
  SyncAction timer = action(SyncAction::Kind::arm_timer);
  timer.timer = kBackoffTimer;
  timer.delay = backoff_.next();
  emit(std::move(timer));
}

void SyncMachine::stop() {
  drop_socket();
  for (std::int64_t t : {kBackoffTimer, kDeadlineTimer}) {
    SyncAction cancel = action(SyncAction::Kind::cancel_timer);
    cancel.timer = t;
    emit(std::move(cancel));
  }
  if (config_.once) {
    set_state(SyncState::offline, false, network_failure("sync was stopped"));
    SyncAction done = action(SyncAction::Kind::finished);
    done.failure = network_failure("sync was stopped");
    emit(std::move(done));
  } else {
    set_state(SyncState::offline, false, std::nullopt);
  }
  phase_ = Phase::ended;
}

void SyncMachine::set_state(SyncState state, bool online, std::optional<Failure> error) {
  bool changed = snapshot_.state != state || snapshot_.online != online || error.has_value();
  snapshot_.state = state;
  snapshot_.online = online;
  if (state != SyncState::syncing) snapshot_.progress.reset();
  if (error) snapshot_.last_error = std::move(error);
  // A round that reached the end clears the last error: it no longer describes the present.
  if (state == SyncState::up_to_date) snapshot_.last_error.reset();
  if (changed) emit_state();
}

void SyncMachine::report_progress(bool pulling, bool more) {
  // Observers see "syncing n/m": each push answer and pulled page updates the progress.
  SyncProgress p{summary_.pushed, summary_.pulled_rows, summary_.cursor, pulling, more};
  if (config_.once) {
    // sync_once hands its progress to its caller's handler instead.
    SyncAction a = action(SyncAction::Kind::progress);
    a.progress = p;
    emit(std::move(a));
    return;
  }
  snapshot_.progress = p;
  emit_state();
}

}  // namespace passerelle::client
