// What every workload shares: the options, the seeded world (accounts, tokens, coaching
// threads), the io_context the load runs on, and helpers to wait on it with a deadline.
#pragma once

#include <boost/asio/executor_work_guard.hpp>
#include <boost/json/object.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "histogram.h"
#include "process.h"
#include "ws_conn.h"

namespace passerelle::bench {

struct Options {
  std::string server_binary;   // passerelle-server to start (default: the one of this build)
  std::string server_url;      // --server: use a running server instead (ws://127.0.0.1:PORT)
  std::string server_db;       // with --server: its database, where accounts are created
  pid_t server_pid = -1;       // with --server: its pid, for RSS and CPU (optional)
  std::string json_path;       // --json FILE
  std::size_t connect_n = 10000;
  std::size_t connect_concurrency = 256;
  std::size_t idle_n = 10000;
  double idle_hold_s = 10;
  std::size_t pairs = 64;
  double chat_seconds = 10;
  double chat_rate = 0;        // open loop, msg/s in all; 0: min(10000, half the measured peak)
  std::size_t ops_per_push = 1;  // closed loop: ops a sender pushes per request
  std::string peer_dir;           // bench/peer (the Node.js baseline); --no-peer: empty
  bool live_rows = true;         // chat: devices ask for pokes that carry the change (--plain-pokes: no)
  std::size_t push_ops = 10000;
  std::size_t pull_rows = 50000;
  double limit_seconds = 5;    // echo and storage runs
  std::size_t body_bytes = 120;  // message text size (chat, push, pull, echo, storage alike)
  std::size_t storage_batch = 100;
  std::size_t per_source = 20000;  // connections per 127.0.0.x source address
  bool quiet = false;          // no progress lines
  std::size_t instances = 1;   // chat on PostgreSQL: also run the peak on this many server instances
  std::vector<std::size_t> dashboard_sizes{50, 3000, 30000};  // dashboard: candidates in the program
};

struct Account {
  std::string email;
  std::string password;
  std::string id;
  std::string token;
};

// A candidate and their coach, with the coaching thread that caseload.assign opened.
struct Pair {
  Account candidate;
  Account coach;
  std::string thread_id;
};

struct World {
  Target target;
  std::string url;       // ws://host:port
  pid_t server_pid = -1;
  Account admin;
  std::vector<Pair> pairs;  // chat pairs
  Pair push_pair;           // its thread receives the push workload's ops
  Pair pull_pair;           // its thread is filled for the pull workload
};

// The single thread that drives every connection.
class Loop {
 public:
  Loop() : guard_(asio::make_work_guard(io_)) {}
  asio::io_context& io() { return io_; }
  // Runs handlers until `done()` or the deadline; false on timeout.
  bool run_until(const std::function<bool()>& done, Clock::duration timeout);
  // Runs handlers for `d`.
  void run_for(Clock::duration d);

 private:
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> guard_;
};

// Prints one progress line per second on stderr while a workload runs.
class Progress {
 public:
  Progress(const Options& o, std::string name, std::function<std::string()> line)
      : quiet_(o.quiet), name_(std::move(name)), line_(std::move(line)), start_(Clock::now()) {}
  void tick();  // call often; prints at most once a second
  void done();

 private:
  bool quiet_;
  std::string name_;
  std::function<std::string()> line_;
  Clock::time_point start_;
  Clock::time_point last_{};
};

double seconds_since(Clock::time_point t);
// A message body of exactly `bytes` bytes of plain text.
std::string message_body(std::size_t bytes, std::uint64_t n);
// p50/p95/p99/max in milliseconds, into `out`.
void put_latency(boost::json::object& out, const std::string& prefix, const Histogram& h);
// The machine state recorded with every result.
boost::json::object load_now();

// Seeding (seed.cpp): accounts through `admin create`, sign-ins, caseloads through push.
Status create_accounts(const ServerProcess& server, World& world, std::size_t pairs);
Status sign_in_and_assign(Loop& loop, World& world);

// Workloads: each returns its JSON result ("errors" counts every failure).
boost::json::object run_connect(Loop& loop, const World& world, const Options& o);
boost::json::object run_idle(Loop& loop, const World& world, const Options& o);
boost::json::object run_chat(Loop& loop, const World& world, const Options& o, double rate);  // rate 0: closed loop
boost::json::object run_echo(const Options& o);
// The same chat workload against the Node.js peer (peer.cpp): closed loop returned, open loop at
// `open_rate` (Passerelle's) in `open_result`; {"skipped": why} when bench/peer is not installed.
boost::json::object run_chat_peer(Loop& loop, const World& world, const Options& o, double open_rate,
                                  boost::json::object& open_result);
boost::json::object run_storage(const Options& o);
boost::json::object run_push(Loop& loop, const World& world, const Options& o);
boost::json::object run_pull(Loop& loop, const World& world, const Options& o, const std::string& self_exe);
// The dashboard's requests at each of o.dashboard_sizes candidates (dashboard.cpp).
boost::json::object run_dashboard(const Options& o, const std::string& self_exe);
// The child process of `pull`: a fresh device pulls everything; prints its JSON on stdout.
int pull_child(const std::string& url, const std::string& email, const std::string& password,
               const std::string& data_dir);

}  // namespace passerelle::bench
