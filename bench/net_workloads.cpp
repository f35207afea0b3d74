// The workloads that need many connections: idle and chat, all on the one Loop thread (connect,
// on its own epoll set, is in connect_workload.cpp).
#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <chrono>
#include <sstream>
#include <unordered_map>

#include "bench.h"
#include "passerelle/shared/ids.h"

namespace passerelle::bench {
namespace json = boost::json;

namespace {

// Every seeded account's token, used round-robin by idle (and by connect, likewise) (several devices of one
// person resume with their own tokens in real life; the server's check is the same).
std::vector<std::string> tokens_of(const World& w) {
  std::vector<std::string> out;
  for (const auto& p : w.pairs) {
    out.push_back(p.candidate.token);
    out.push_back(p.coach.token);
  }
  if (out.empty()) out.push_back(w.admin.token);
  return out;
}

// Ids of the generated messages and ops: UUIDv7 text (the server checks the form) made from
// the clock and a counter, without new_id()'s lock and random bytes for each of them. The last
// 48 bits start from a fresh id's, so runs against a kept database do not collide.
std::string cheap_id() {
  static std::uint64_t next = std::stoull(new_id().substr(24), nullptr, 16);
  static constexpr char kHex[] = "0123456789abcdef";
  auto ms = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count());
  std::uint64_t tail = next++ & 0xFFFFFFFFFFFFull;
  std::string out(36, '-');
  auto put = [&](std::size_t at, std::uint64_t v, int digits) {
    for (int i = digits - 1; i >= 0; --i, v >>= 4) out[at + static_cast<std::size_t>(i)] = kHex[v & 0xF];
  };
  put(0, ms >> 16, 8);
  put(9, ms & 0xFFFF, 4);
  put(14, 0x7000, 4);  // version 7
  put(19, 0x8000, 4);  // variant 10
  put(24, tail, 12);
  return out;
}

std::string fmt(double v, int digits = 1) {
  std::ostringstream s;
  s.setf(std::ios::fixed);
  s.precision(digits);
  s << v;
  return s.str();
}

}  // namespace

// connect is in connect_workload.cpp.

// idle: N authenticated connections held open; the server's RSS growth per connection and its
// CPU use while they sit idle (the server pings them at half its idle timeout).
json::object run_idle(Loop& loop, const World& world, const Options& o) {
  auto tokens = tokens_of(world);
  std::vector<std::shared_ptr<WsConn>> conns;
  conns.reserve(o.idle_n);
  std::size_t started = 0, ready = 0, errors = 0, dropped = 0;
  std::string first_error;
  loop.run_for(std::chrono::milliseconds(500));
  Memory before = memory_of(world.server_pid);
  auto begin = Clock::now();
  std::function<void()> launch = [&] {
    std::size_t i = started++;
    auto conn = std::make_shared<WsConn>(loop.io(), 64 * 1024);
    conns.push_back(conn);
    auto opened = std::make_shared<bool>(false);  // whether this connection finished opening
    conn->on_failure = [&, opened](const std::string& what) {
      if (*opened) { ++dropped; return; }
      *opened = true;
      ++errors;
      if (first_error.empty()) first_error = what;
      if (started < o.idle_n) launch();
    };
    conn->connect(world.target.server, world.target.source_for(i), [&, conn, i, opened] {
      conn->hello_resume(tokens[i % tokens.size()], [&, opened](bool ok) {
        if (*opened) return;
        *opened = true;
        ok ? ++ready : ++errors;
        if (!ok && first_error.empty()) first_error = "auth.resume refused";
        if (started < o.idle_n) launch();
      });
    });
  };
  for (std::size_t k = 0; k < o.connect_concurrency && started < o.idle_n; ++k) launch();
  Progress progress(o, "idle", [&] {
    return std::to_string(ready) + "/" + std::to_string(o.idle_n) + " held, errors " + std::to_string(errors) +
           ", server RSS " + std::to_string(memory_of(world.server_pid).rss_kib / 1024) + " MiB";
  });
  bool opened_all = loop.run_until([&] { progress.tick(); return ready + errors == o.idle_n; }, std::chrono::seconds(300));
  double open_seconds = seconds_since(begin);
  loop.run_for(std::chrono::seconds(1));  // let the server settle (allocations after the answers)
  Memory held = memory_of(world.server_pid);
  double cpu0 = cpu_seconds_of(world.server_pid);
  auto hold_start = Clock::now();
  loop.run_until([&] { progress.tick(); return seconds_since(hold_start) >= o.idle_hold_s; },
                 std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.idle_hold_s + 5)));
  double hold = seconds_since(hold_start);
  double cpu = cpu_seconds_of(world.server_pid) - cpu0;
  Memory after = memory_of(world.server_pid);
  progress.done();
  std::size_t still_open = 0;
  for (auto& c : conns) {
    if (c->open()) ++still_open;
    c->abort();
  }
  conns.clear();
  loop.run_for(std::chrono::seconds(1));
  double per_conn = ready ? static_cast<double>(held.rss_kib - before.rss_kib) / static_cast<double>(ready) : 0;
  json::object r{{"n", o.idle_n},
                 {"held", ready},
                 {"open_at_end", still_open},
                 {"open_seconds", open_seconds},
                 {"server_rss_before_kib", before.rss_kib},
                 {"server_rss_held_kib", held.rss_kib},
                 {"server_rss_after_hold_kib", after.rss_kib},
                 {"rss_per_conn_kib", per_conn},
                 {"hold_seconds", hold},
                 {"idle_cpu_percent", 100.0 * cpu / hold},
                 {"errors", errors + dropped + (opened_all ? 0 : o.idle_n - ready - errors)}};
  if (!first_error.empty()) r["first_error"] = first_error;
  return r;
}

namespace {

// One side of a chat pair: a signed-in device that sends messages (push) and follows pokes
// with pulls, the way the client core does (one push and one pull in flight at a time).
struct Side {
  std::shared_ptr<WsConn> conn;
  std::string user_id;
  std::string thread_id;
  std::int64_t cursor = 0;
  bool pulling = false;
  bool pull_again = false;
  bool pushing = false;
  std::deque<std::pair<std::string, Clock::time_point>> queue;  // message id, intended send time
  Side* peer = nullptr;
};

struct InFlight {
  Clock::time_point intended;
  const Side* recipient;
};

}  // namespace

// chat: P candidate<->coach pairs write to each other. rate > 0: open loop, messages are due at
// fixed times (rate msg/s in all, spread over every sender) and latency counts from the due time,
// so a stalled server cannot hide its queue (no coordinated omission). rate == 0: closed loop,
// every sender keeps one push of `ops_per_push` messages in flight, for peak throughput.
// A message is delivered when the peer's pull (after its poke) returns it.
json::object run_chat(Loop& loop, const World& world, const Options& o, double rate) {
  const bool open_loop = rate > 0;
  std::vector<std::unique_ptr<Side>> sides;
  std::size_t errors = 0, connected = 0;
  std::string first_error;
  auto note_error = [&](const std::string& why) {
    ++errors;
    if (first_error.empty()) first_error = why;
  };
  for (std::size_t i = 0; i < world.pairs.size(); ++i) {
    const Pair& p = world.pairs[i];
    auto a = std::make_unique<Side>(), b = std::make_unique<Side>();
    a->user_id = p.candidate.id;
    b->user_id = p.coach.id;
    a->thread_id = b->thread_id = p.thread_id;
    a->peer = b.get();
    b->peer = a.get();
    sides.push_back(std::move(a));
    sides.push_back(std::move(b));
  }
  std::unordered_map<std::string, InFlight> in_flight;
  Histogram latency;
  std::uint64_t sent = 0, delivered = 0, delivered_in_window = 0, rejected = 0, next_body = 0;
  std::uint64_t pulls = 0, carried = 0;  // pulls sent; pokes whose changes were used as they came
  Clock::time_point window_start{}, window_end{};
  bool measuring = false, stopping = false;
  const std::size_t max_ops = open_loop ? 100 : std::max<std::size_t>(1, o.ops_per_push);

  // Messages a device received, by pull or in a poke that carries them.
  auto received = [&](Side& s, const json::array& changes) {
    auto now = Clock::now();
    for (const auto& c : changes) {
      const auto& ch = c.as_object();
      if (ch.at("collection").as_string() != "messages") continue;
      auto it = in_flight.find(std::string(ch.at("id").as_string()));
      if (it == in_flight.end() || it->second.recipient != &s) continue;
      ++delivered;
      if (measuring && now >= window_start && now < window_end) {
        ++delivered_in_window;
        latency.record(static_cast<std::uint64_t>(
            std::chrono::duration_cast<std::chrono::microseconds>(now - it->second.intended).count()));
      }
      in_flight.erase(it);
    }
  };
  std::function<void(Side&)> pull = [&](Side& s) {
    s.pulling = true;
    s.pull_again = false;
    ++pulls;
    s.conn->request("pull", {{"cursor", s.cursor}, {"limit", 1000}}, [&, sp = &s](const json::object& r) {
      Side& s = *sp;
      s.pulling = false;
      if (!answer_ok(r)) return note_error("pull: " + answer_error(r));
      received(s, r.at("changes").as_array());
      s.cursor = r.at("cursor").as_int64();
      if (r.at("more").as_bool() || s.pull_again) pull(s);
    });
  };
  std::function<void(Side&)> flush = [&](Side& s) {
    if (s.pushing || s.queue.empty() || !s.conn->open()) return;
    // The frame is written as text: the generator shares the server's two cores, and a JSON
    // object built and then serialized for every message allocates for each of its values.
    std::string ops = "\"ops\":[";
    for (std::size_t n = 0; !s.queue.empty() && n < max_ops; ++n) {
      auto [id, intended] = std::move(s.queue.front());
      s.queue.pop_front();
      if (n) ops += ',';
      ops += "{\"op_id\":\"";
      ops += cheap_id();
      ops += "\",\"name\":\"message.send\",\"args\":{\"id\":\"";
      ops += id;
      ops += "\",\"thread_id\":\"";
      ops += s.thread_id;
      ops += "\",\"body\":\"";
      for (char c : message_body(o.body_bytes, next_body++)) {  // printable ASCII: only these need escaping
        if (c == '"' || c == '\\') ops += '\\';
        ops += c;
      }
      ops += "\"}}";
      in_flight.emplace(std::move(id), InFlight{intended, s.peer});
      ++sent;
    }
    ops += ']';
    s.pushing = true;
    s.conn->request_text("push", ops, [&, sp = &s](const json::object& r) {
      Side& s = *sp;
      s.pushing = false;
      if (!answer_ok(r)) return note_error("push: " + answer_error(r));
      for (const auto& res : r.at("results").as_array())
        if (res.as_object().at("status").as_string() != "applied") ++rejected, note_error("rejected: " + json::serialize(res));
      if (!open_loop && !stopping)
        for (std::size_t k = 0; k < max_ops; ++k) s.queue.emplace_back(cheap_id(), Clock::now());
      flush(s);
    });
  };

  for (std::size_t i = 0; i < sides.size(); ++i) {
    Side& s = *sides[i];
    s.conn = std::make_shared<WsConn>(loop.io());
    s.conn->scratch_frames = true;  // every callback below reads its frame there and then
    s.conn->on_failure = [&](const std::string& what) { note_error(what); };
    s.conn->on_event = [&, sp = &s](const json::object& e) {
      Side& s = *sp;
      auto* seq = e.if_contains("seq");
      if (!seq || !seq->is_int64() || seq->get_int64() <= s.cursor) return;
      // A poke that carries its changes and follows on from the cursor is used as a pull page
      // would be (as the client core does); a gap, or a plain poke, means pull.
      auto* prev = e.if_contains("prev");
      auto* changes = e.if_contains("changes");
      if (!s.pulling && prev && prev->is_int64() && prev->get_int64() <= s.cursor && changes && changes->is_array()) {
        ++carried;
        received(s, changes->get_array());
        s.cursor = seq->get_int64();
        return;
      }
      if (s.pulling) s.pull_again = true;
      else pull(s);
    };
    const Pair& p = world.pairs[i / 2];
    const std::string& token = i % 2 == 0 ? p.candidate.token : p.coach.token;
    s.conn->connect(world.target.server_for(i), world.target.source_for(0), [&, sp = &s, token] {
      sp->conn->hello_resume(token, [&, sp](bool ok) {
        if (!ok) return note_error("auth.resume refused");
        ++connected;
        pull(*sp);  // catch up first, as a device does on connecting
      }, o.live_rows);
    });
  }
  if (!loop.run_until([&] { return connected + errors >= sides.size(); }, std::chrono::seconds(60)) || errors)
    return {{"errors", errors + 1}, {"first_error", first_error.empty() ? "connections timed out" : first_error}};
  loop.run_until([&] { for (auto& s : sides) if (s->pulling) return false; return true; }, std::chrono::seconds(30));

  auto warmup = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(std::min(2.0, o.chat_seconds / 4)));
  auto run_length = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.chat_seconds));
  auto start = Clock::now();
  window_start = start + warmup;
  window_end = window_start + run_length;
  measuring = true;
  double cpu0 = world.server_pid > 0 ? cpu_seconds_of(world.server_pid) : 0;
  Progress progress(o, open_loop ? "chat-open" : "chat-peak", [&] {
    return "sent " + std::to_string(sent) + ", delivered " + std::to_string(delivered) + " (" +
           fmt(static_cast<double>(delivered) / seconds_since(start), 0) + " msg/s), in flight " +
           std::to_string(in_flight.size()) + ", errors " + std::to_string(errors);
  });
  std::uint64_t due_sent = 0;
  std::size_t rr = 0;
  if (!open_loop)
    for (auto& s : sides) {
      for (std::size_t k = 0; k < max_ops; ++k) s->queue.emplace_back(cheap_id(), Clock::now());
      flush(*s);
    }
  asio::steady_timer ticker(loop.io());
  std::function<void()> tick = [&] {
    if (stopping) return;
    auto now = Clock::now();
    if (now >= window_end) return void(stopping = true);
    if (open_loop) {
      // Messages due by now, each with its own due time, handed to senders in turn.
      auto due = static_cast<std::uint64_t>(std::chrono::duration<double>(now - start).count() * rate);
      for (; due_sent < due; ++due_sent) {
        Side& s = *sides[rr++ % sides.size()];
        auto intended = start + std::chrono::duration_cast<Clock::duration>(
                                    std::chrono::duration<double>(static_cast<double>(due_sent) / rate));
        s.queue.emplace_back(cheap_id(), intended);
        flush(s);
      }
    }
    ticker.expires_after(std::chrono::microseconds(500));
    ticker.async_wait([&](boost::system::error_code ec) { if (!ec) tick(); });
  };
  tick();
  loop.run_until([&] { progress.tick(); return stopping; }, run_length + warmup + std::chrono::seconds(5));
  stopping = true;
  ticker.cancel();
  double cpu = world.server_pid > 0 ? cpu_seconds_of(world.server_pid) - cpu0 : 0;
  double elapsed = seconds_since(start);
  std::uint64_t pulls_in_run = pulls, carried_in_run = carried;
  // Drain: what was sent gets up to 10 s to arrive.
  loop.run_until([&] {
    progress.tick();
    bool busy = false;
    for (auto& s : sides) busy = busy || s->pushing || !s->queue.empty();
    return !busy && in_flight.empty();
  }, std::chrono::seconds(10));
  progress.done();
  std::size_t undelivered = in_flight.size();
  for (auto& s : sides) s->conn->abort();
  loop.run_for(std::chrono::milliseconds(300));
  double window = std::chrono::duration<double>(window_end - window_start).count();
  json::object r{{"mode", open_loop ? "open-loop" : "closed-loop"},
                 {"pairs", world.pairs.size()},
                 {"connections", sides.size()},
                 {"ops_per_push", max_ops},
                 {"body_bytes", o.body_bytes},
                 {"target_rate", rate},
                 {"seconds", window},
                 {"sent", sent},
                 {"delivered", delivered},
                 {"delivered_msgs_per_s", static_cast<double>(delivered_in_window) / window},
                 {"server_cpu_percent", 100.0 * cpu / elapsed},
                 {"live_rows", o.live_rows},
                 {"pulls_per_msg", sent ? static_cast<double>(pulls_in_run) / static_cast<double>(sent) : 0.0},
                 {"carried_pokes", carried_in_run}};
  put_latency(r, "e2e", latency);
  r["undelivered"] = undelivered;
  r["rejected"] = rejected;
  r["errors"] = errors + undelivered;
  if (!first_error.empty()) r["first_error"] = first_error;
  return r;
}

}  // namespace passerelle::bench
