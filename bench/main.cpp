// passerelle-bench: load generator and limit meter for passerelle-server (docs/benchmarks.md).
//
//   passerelle-bench all --json results.json          every workload at the sizes
//   passerelle-bench chat idle --pairs 32 --idle-n 2000
//   passerelle-bench all --smoke                       tiny sizes (the bench_smoke test)
//   passerelle-bench push chat --engine both           SQLite, then a private PostgreSQL, side by side
//
// It starts its own server (a temp dir, --ready-file) unless --server URL is given.
#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <set>

#include "bench.h"
#include "postgres.h"

#ifndef PASSERELLE_SERVER_BINARY
#error "PASSERELLE_SERVER_BINARY must be defined by the build"
#endif

namespace pb = passerelle::bench;
namespace json = boost::json;

namespace {

const char* kUsage =
    "Usage: passerelle-bench [WORKLOAD...] [options]\n"
    "Workloads: all (default), storage, echo, idle, connect, chat, push, pull, dashboard\n"
    "  (chat runs closed-loop for peak, then open-loop for latency)\n"
    "Options:\n"
    "  --json FILE              write every result as JSON\n"
    "  --smoke                  tiny sizes, for the smoke test\n"
    "  --server-binary PATH     passerelle-server to start (default: this build's)\n"
    "  --server URL             drive a running server (ws://127.0.0.1:PORT) instead of starting one\n"
    "  --server-db URL          with --server: its database, where the bench creates its accounts\n"
    "  --server-pid PID         with --server: its pid, for RSS and CPU figures\n"
    "  --engine E               sqlite (default), postgresql (a private one on loopback, started\n"
    "                           and removed by the run, as root) or both (one after the other)\n"
    "  --connect-n N            connect: devices (default 10000)\n"
    "  --concurrency N          connect/idle: handshakes in flight (default 256)\n"
    "  --idle-n N|max           idle: connections held (default 10000; max: as many as the\n"
    "                           descriptor limit allows, about 1,000 below it)\n"
    "  --idle-hold S            idle: seconds to hold them (default 10)\n"
    "  --pairs P                chat: candidate-coach pairs (default 64)\n"
    "  --chat-seconds S         chat: measured seconds per mode (default 10)\n"
    "  --chat-rate R            chat open loop: msg/s in all (default min(10000, half the peak))\n"
    "  --ops-per-push K         chat closed loop: messages per push (default 1)\n"
    "  --no-peer                chat: skip the Node.js peer (bench/peer) run after Passerelle's\n"
    "  --peer-dir DIR           chat: where the peer is (default: this source tree's bench/peer)\n"
    "  --plain-pokes            chat: devices take plain pokes and pull (as before issue 20)\n"
    "  --push-ops N             push: queued ops (default 10000)\n"
    "  --pull-rows N            pull: rows to pull (default 50000)\n"
    "  --limit-seconds S        echo and storage run time (default 5)\n"
    "  --body-bytes B           message text size (default 120)\n"
    "  --storage-batch B        storage: rows per commit (default 100)\n"
    "  --per-source N           connections per 127.0.0.x source address (default 20000)\n"
    "  --dashboard-sizes A,B,.. dashboard: candidates in each program (default 50,3000,30000)\n"
    "  --instances N            chat on PostgreSQL: run the peak again on N server instances sharing\n"
    "                           the database (each pair's two devices on two instances, pokes\n"
    "                           crossing by LISTEN/NOTIFY); reports N instances over one\n"
    "  --quiet                  no progress lines\n";

std::string self_exe() {
  char buf[4096];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string("passerelle-bench");
}

double num(const json::object& o, const char* key) {
  auto* v = o.if_contains(key);
  if (!v) return 0;
  if (v->is_double()) return v->get_double();
  if (v->is_int64()) return static_cast<double>(v->get_int64());
  if (v->is_uint64()) return static_cast<double>(v->get_uint64());
  return 0;
}

std::string fixed(double v, int digits) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(digits) << v;
  return s.str();
}

// The dashboard's table (docs/benchmarks.md): per program size, median latency and server CPU
// per call in brackets, in ms.
void print_dashboard(const json::object& d) {
  auto cell = [](const json::object& r, const char* k) {
    if (!r.contains(k)) return std::string("-");
    const auto& c = r.at(k).as_object();
    return fixed(num(c, "p50_ms"), 1) + " (" + fixed(num(c, "server_cpu_ms_per_call"), 1) + ")";
  };
  std::cout << "\n| program | coach caseload | coach indicators | admin indicators | admin caseload | admin caseload.csv | open | coach pull from 0 |\n"
               "|---|---|---|---|---|---|---|---|\n";
  for (const auto& [size, v] : d) {
    if (!v.is_object() || size == "load") continue;
    const auto& r = v.as_object();
    std::string pull = r.contains("coach_pull") ? fixed(num(r.at("coach_pull").as_object(), "ms"), 0) + " ms" : "-";
    std::cout << "| " << std::string(size) << " | " << cell(r, "coach_caseload") << " | " << cell(r, "coach_indicators") << " | "
              << cell(r, "admin_indicators") << " | " << cell(r, "admin_caseload") << " | " << cell(r, "admin_caseload_csv")
              << " | " << cell(r, "open") << " | " << pull << " |\n";
  }
}

// The end-of-run table: one line per workload, its main figure, latency and errors.
void print_table(const json::object& results, const json::object& ratios) {
  struct Row { std::string name, size, rate, p50, p99, errors, note; };
  std::vector<Row> rows;
  for (const auto& [key, value] : results) {
    const auto& r = value.as_object();
    Row row{std::string(key), "", "", "", "", fixed(num(r, "errors"), 0), ""};
    if (key == "storage") {
      row.size = fixed(num(r, "rows"), 0) + " rows";
      row.rate = fixed(num(r, "rows_per_s"), 0) + " rows/s";
      row.note = "batch " + fixed(num(r, "batch"), 0) + ", commit " + fixed(num(r, "commit_ms"), 2) + " ms";
    } else if (key == "echo") {
      row.size = fixed(num(r, "connections"), 0) + " conns";
      row.rate = fixed(num(r, "msgs_per_s"), 0) + " msg/s";
      row.p50 = fixed(num(r, "rtt_p50_ms"), 2);
      row.p99 = fixed(num(r, "rtt_p99_ms"), 2);
      row.note = fixed(num(r, "frame_bytes"), 0) + " B frames";
    } else if (key == "connect") {
      row.size = fixed(num(r, "n"), 0) + " devices";
      row.rate = fixed(num(r, "conns_per_s"), 0) + " resumes/s";
      row.p50 = fixed(num(r, "handshake_p50_ms"), 2);
      row.p99 = fixed(num(r, "handshake_p99_ms"), 2);
    } else if (key == "idle") {
      row.size = fixed(num(r, "held"), 0) + " conns";
      row.rate = fixed(num(r, "rss_per_conn_kib"), 1) + " KiB/conn";
      row.note = "idle CPU " + fixed(num(r, "idle_cpu_percent"), 1) + "%";
    } else if (key.starts_with("chat")) {
      row.size = fixed(num(r, "pairs"), 0) + " pairs";
      row.rate = fixed(num(r, "delivered_msgs_per_s"), 0) + " msg/s";
      row.p50 = fixed(num(r, "e2e_p50_ms"), 2);
      row.p99 = fixed(num(r, "e2e_p99_ms"), 2);
      row.note = "p95 " + fixed(num(r, "e2e_p95_ms"), 2) + (num(r, "target_rate") > 0 ? ", rate " + fixed(num(r, "target_rate"), 0) : ", " + fixed(num(r, "ops_per_push"), 0) + " op/push") +
                 ", " + fixed(num(r, "pulls_per_msg"), 2) + " pulls/msg";
      if (auto* why = r.if_contains("skipped"); why && why->is_string()) row.note = "skipped: " + std::string(why->get_string());
    } else if (key == "push") {
      row.size = fixed(num(r, "ops"), 0) + " ops";
      row.rate = fixed(num(r, "ops_per_s"), 0) + " ops/s";
      row.note = "last ack after " + fixed(num(r, "seconds_to_last_ack"), 2) + " s";
    } else if (key == "pull") {
      row.size = fixed(num(r, "rows"), 0) + " rows";
      row.rate = fixed(num(r, "rows_per_s"), 0) + " rows/s";
      row.note = fixed(num(r, "seconds"), 2) + " s, peak RSS " + fixed(num(r, "device_peak_rss_kib") / 1024, 1) + " MiB";
    }
    rows.push_back(row);
  }
  auto line = [](const Row& r) {
    std::cout << std::left << std::setw(10) << r.name << (r.name.size() >= 10 ? " " : "") << std::setw(14) << r.size << std::setw(20) << r.rate << std::setw(9)
              << r.p50 << std::setw(9) << r.p99 << std::setw(7) << r.errors << r.note << "\n";
  };
  std::cout << "\n";
  line({"workload", "size", "rate", "p50 ms", "p99 ms", "errors", "notes"});
  for (const auto& r : rows) line(r);
  if (!ratios.empty()) {
    std::cout << "\nratios to this machine's limits:\n";
    for (const auto& [k, v] : ratios) std::cout << "  " << std::left << std::setw(28) << std::string(k) << fixed(v.as_double(), 3) << "\n";
  }
}

// The targets, judged on this run's figures.
json::object judge(const json::object& results) {
  json::object t;
  auto has = [&](const char* k) { return results.contains(k); };
  auto get = [&](const char* k) -> const json::object& { return results.at(k).as_object(); };
  if (has("idle"))
    t["idle_16kib_per_conn"] = {{"target", "<= 16 KiB/conn at 10000"}, {"value", num(get("idle"), "rss_per_conn_kib")},
                                {"n", num(get("idle"), "held")}, {"met", num(get("idle"), "rss_per_conn_kib") <= 16 && num(get("idle"), "held") >= 10000}};
  if (has("chat-peak"))
    t["chat_20000_per_s"] = {{"target", ">= 20000 msg/s"}, {"value", num(get("chat-peak"), "delivered_msgs_per_s")},
                             {"met", num(get("chat-peak"), "delivered_msgs_per_s") >= 20000}};
  if (has("chat-open"))
    t["chat_p99_25ms_at_half"] = {{"target", "p99 < 25 ms at 10000 msg/s"}, {"rate", num(get("chat-open"), "target_rate")},
                                  {"value", num(get("chat-open"), "e2e_p99_ms")},
                                  {"met", num(get("chat-open"), "e2e_p99_ms") < 25 && num(get("chat-open"), "target_rate") >= 10000}};
  if (has("push"))
    t["push_10000_under_1s"] = {{"target", "10000 ops < 1 s"}, {"value", num(get("push"), "seconds_to_last_ack")},
                                {"met", num(get("push"), "seconds_to_last_ack") < 1 && num(get("push"), "ops") >= 10000}};
  if (has("pull"))
    t["pull_50000_under_2s"] = {{"target", "50000 rows < 2 s"}, {"value", num(get("pull"), "seconds")},
                                {"met", num(get("pull"), "seconds") < 2 && num(get("pull"), "rows") >= 50000}};
  if (has("connect"))
    t["connect_5000_per_s"] = {{"target", ">= 5000 resumes/s"}, {"value", num(get("connect"), "conns_per_s")},
                               {"met", num(get("connect"), "conns_per_s") >= 5000}};
  return t;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (!args.empty() && args[0] == "pull-child") {
    std::map<std::string, std::string> kv;
    for (std::size_t i = 1; i + 1 < args.size(); i += 2) kv[args[i]] = args[i + 1];
    return pb::pull_child(kv["--url"], kv["--email"], kv["--password"], kv["--data"]);
  }
  pb::Options o;
  o.server_binary = PASSERELLE_SERVER_BINARY;
  o.peer_dir = PASSERELLE_BENCH_PEER_DIR;
  std::set<std::string> workloads;
  std::vector<std::string> engines{"sqlite"};
  bool smoke = false;
  bool idle_max = false;  // --idle-n max: as many connections as the descriptor limit allows
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= args.size()) {
        std::cerr << "passerelle-bench: " << a << " needs a value\n";
        std::exit(2);
      }
      return args[++i];
    };
    auto count = [&] { return static_cast<std::size_t>(std::stoull(value())); };
    if (a == "--help" || a == "-h") { std::cout << kUsage; return 0; }
    else if (a == "--json") o.json_path = value();
    else if (a == "--smoke") smoke = true;
    else if (a == "--quiet") o.quiet = true;
    else if (a == "--instances") o.instances = std::clamp<std::size_t>(count(), 1, 8);
    else if (a == "--server-binary") o.server_binary = value();
    else if (a == "--server") o.server_url = value();
    else if (a == "--server-db") o.server_db = value();
    else if (a == "--server-pid") o.server_pid = static_cast<pid_t>(std::stol(value()));
    else if (a == "--engine") {
      std::string e = value();
      if (e == "both") engines = {"sqlite", "postgresql"};
      else if (e == "sqlite" || e == "postgresql") engines = {e};
      else { std::cerr << "passerelle-bench: --engine is sqlite, postgresql or both\n"; return 2; }
    }
    else if (a == "--connect-n") o.connect_n = count();
    else if (a == "--concurrency") o.connect_concurrency = std::max<std::size_t>(1, count());
    else if (a == "--idle-n" && i + 1 < args.size() && args[i + 1] == "max") ++i, idle_max = true;
    else if (a == "--idle-n") o.idle_n = count();
    else if (a == "--idle-hold") o.idle_hold_s = std::stod(value());
    else if (a == "--pairs") o.pairs = std::max<std::size_t>(1, count());
    else if (a == "--chat-seconds") o.chat_seconds = std::stod(value());
    else if (a == "--chat-rate") o.chat_rate = std::stod(value());
    else if (a == "--plain-pokes") o.live_rows = false;
    else if (a == "--no-peer") o.peer_dir.clear();
    else if (a == "--peer-dir") o.peer_dir = value();
    else if (a == "--ops-per-push") o.ops_per_push = std::clamp<std::size_t>(count(), 1, 100);
    else if (a == "--push-ops") o.push_ops = count();
    else if (a == "--pull-rows") o.pull_rows = count();
    else if (a == "--limit-seconds") o.limit_seconds = std::stod(value());
    else if (a == "--body-bytes") o.body_bytes = std::max<std::size_t>(8, count());
    else if (a == "--storage-batch") o.storage_batch = std::max<std::size_t>(1, count());
    else if (a == "--per-source") o.per_source = std::max<std::size_t>(1, count());
    else if (a == "--dashboard-sizes") {
      o.dashboard_sizes.clear();
      std::string list = value();
      for (std::size_t at = 0; at < list.size();) {
        std::size_t comma = std::min(list.find(',', at), list.size());
        o.dashboard_sizes.push_back(std::max<std::size_t>(1, std::stoull(list.substr(at, comma - at))));
        at = comma + 1;
      }
    }
    else if (a.starts_with("--")) { std::cerr << "passerelle-bench: unknown option " << a << "\n" << kUsage; return 2; }
    else if (a == "all" || a == "storage" || a == "echo" || a == "idle" || a == "connect" || a == "chat" || a == "push" || a == "pull" || a == "dashboard") workloads.insert(a);
    else { std::cerr << "passerelle-bench: unknown workload " << a << "\n" << kUsage; return 2; }
  }
  if (smoke) {
    o.connect_n = 200; o.connect_concurrency = 32; o.idle_n = 200; o.idle_hold_s = 1; o.pairs = 4;
    o.chat_seconds = 1; o.push_ops = 300; o.pull_rows = 500; o.limit_seconds = 0.5;
    if (o.chat_rate == 0) o.chat_rate = 200;
    o.dashboard_sizes = {50};
  }
  if (workloads.empty() || workloads.count("all")) workloads = {"storage", "echo", "idle", "connect", "chat", "push", "pull", "dashboard"};
  auto want = [&](const char* w) { return workloads.count(w) > 0; };

  if (idle_max) o.idle_n = 1000000;  // asks raise_fd_limit for the hard limit
  std::uint64_t fds = pb::raise_fd_limit(std::max(o.idle_n, o.connect_concurrency) + 1024);
  // The bench holds one descriptor per client connection and the server (which inherits the
  // limit) one per accepted one; both keep about a thousand for everything else.
  if (idle_max) o.idle_n = fds > 2000 ? static_cast<std::size_t>(fds) - 1000 : static_cast<std::size_t>(fds) / 2;
  if (want("idle") && fds < o.idle_n + 256)
    std::cerr << "passerelle-bench: only " << fds << " descriptors allowed; idle will fail above that\n";

  json::object results;
  json::object report{{"tool", "passerelle-bench"}, {"machine", {{"nproc", ::sysconf(_SC_NPROCESSORS_ONLN)}, {"uptime_at_start", pb::uptime_line()}}}};
  auto record = [&](const std::string& name, json::object r) {
    r["load"] = pb::load_now();
    results[name] = std::move(r);
  };

  // The limits first: they need no server.
  if (want("storage")) record("storage", pb::run_storage(o));
  if (want("echo")) record("echo", pb::run_echo(o));

  bool needs_server = want("idle") || want("connect") || want("chat") || want("push") || want("pull");
  if (!o.server_url.empty() && engines != std::vector<std::string>{"sqlite"}) {
    std::cerr << "passerelle-bench: --engine applies to the servers the bench starts, not to --server\n";
    return 2;
  }
  int exit_code = 0;
  json::object instance_ratios;  // --instances: chat on N instances over one, per engine
  // The workloads that need a server, on one engine, into `into`.
  auto run_server_workloads = [&](const std::string& engine, json::object& into) {
    auto record_in = [&](const std::string& name, json::object r) {
      r["load"] = pb::load_now();
      into[name] = std::move(r);
    };
    pb::TempDir dir;
    pb::PrivatePostgres pg;  // declared before the server: stopped after it
    pb::ServerProcess server(o.server_binary, dir.path());
    pb::World world;
    world.target.per_source = o.per_source;
    pb::Loop loop;
    std::string fatal;
    if (engine == "postgresql") {
      std::cerr << "starting a private PostgreSQL...\n";
      if (auto st = pg.start(dir.path() + "/pg"); !st) fatal = st.error().message;
      else {
        server.use_database(pg.url());
        report["postgresql_version"] = pg.version();
      }
    }
    std::cerr << "seeding " << (2 * o.pairs + 5) << " accounts (" << engine << ")...\n";
    auto seed_start = pb::Clock::now();
    if (!fatal.empty()) {
    } else if (o.server_url.empty()) {
      if (auto st = pb::create_accounts(server, world, o.pairs); !st) fatal = st.error().message;
      else if (auto st2 = server.start(); !st2) fatal = st2.error().message;
      world.server_pid = server.pid();
      world.url = "ws://127.0.0.1:" + std::to_string(server.port());
      world.target.server = pb::tcp::endpoint(pb::asio::ip::address_v4::loopback(), server.port());
    } else {
      // A running server: accounts go into its database beside it (admin create works then too).
      auto colon = o.server_url.rfind(':');
      world.url = o.server_url;
      world.server_pid = o.server_pid;
      world.target.server = pb::tcp::endpoint(pb::asio::ip::make_address_v4(o.server_url.substr(5, colon - 5)),
                                              static_cast<std::uint16_t>(std::stoi(o.server_url.substr(colon + 1))));
      if (o.server_db.empty()) {
        fatal = "--server needs --server-db (where the bench's accounts are created)";
      } else {
        server.use_database(o.server_db);
        if (auto st = pb::create_accounts(server, world, o.pairs); !st) fatal = st.error().message;
      }
    }
    if (fatal.empty())
      if (auto st = pb::sign_in_and_assign(loop, world); !st) fatal = st.error().message;
    report[engine == "sqlite" ? "seed_seconds" : "seed_seconds_" + engine] = pb::seconds_since(seed_start);
    if (!fatal.empty()) {
      std::cerr << "passerelle-bench: seeding failed (" << engine << "): " << fatal << "\n";
      into["seed"] = json::object{{"errors", 1}, {"first_error", fatal}};
      exit_code = 1;
    } else {
      if (want("idle")) record_in("idle", pb::run_idle(loop, world, o));
      if (want("connect")) record_in("connect", pb::run_connect(loop, world, o));
      if (want("chat")) {
        auto peak = pb::run_chat(loop, world, o, 0);
        double rate = o.chat_rate > 0 ? o.chat_rate : std::min(10000.0, std::max(100.0, num(peak, "delivered_msgs_per_s") / 2));
        const double one_instance = num(peak, "delivered_msgs_per_s");
        record_in("chat-peak", std::move(peak));
        record_in("chat-open", pb::run_chat(loop, world, o, rate));
        if (engine == "postgresql" && o.instances > 1 && o.server_url.empty()) {
          // More instances on the same database, started now: the accounts exist already.
          std::vector<std::unique_ptr<pb::TempDir>> dirs;
          std::vector<std::unique_ptr<pb::ServerProcess>> more;
          std::string failed;
          for (std::size_t k = 1; k < o.instances && failed.empty(); ++k) {
            dirs.push_back(std::make_unique<pb::TempDir>());
            more.push_back(std::make_unique<pb::ServerProcess>(o.server_binary, dirs.back()->path()));
            more.back()->use_database(pg.url());
            if (auto st = more.back()->start(); !st) failed = st.error().message;
            else world.target.other_instances.push_back(pb::tcp::endpoint(pb::asio::ip::address_v4::loopback(), more.back()->port()));
          }
          const std::string key = "chat-peak-" + std::to_string(o.instances) + "i";
          if (!failed.empty()) {
            into[key] = json::object{{"errors", 1}, {"first_error", "another instance did not start: " + failed}};
          } else {
            auto several = pb::run_chat(loop, world, o, 0);
            several["instances"] = o.instances;
            const double n = num(several, "delivered_msgs_per_s");
            if (one_instance > 0) {
              several["ratio_to_one_instance"] = n / one_instance;
              instance_ratios[engine + " chat-peak " + std::to_string(o.instances) + " instances / 1"] = n / one_instance;
            }
            record_in(key, std::move(several));
          }
          world.target.other_instances.clear();
          for (auto& m : more) m->stop();
        }
        // The peer keeps its own SQLite file whatever the engine: it runs once, beside the first.
        if (!o.peer_dir.empty() && engine == engines.front()) {
          json::object peer_open;
          auto peer_peak = pb::run_chat_peer(loop, world, o, rate, peer_open);
          bool ran = !peer_peak.contains("skipped");
          record_in("chat-peak-peer", std::move(peer_peak));
          if (ran) record_in("chat-open-peer", std::move(peer_open));
        }
      }
      if (want("push")) record_in("push", pb::run_push(loop, world, o));
      if (want("pull")) record_in("pull", pb::run_pull(loop, world, o, self_exe()));
      if (world.server_pid > 0)
        report[engine == "sqlite" ? "server_peak_rss_kib" : "server_peak_rss_kib_" + engine] =
            pb::memory_of(world.server_pid).peak_kib;
    }
    server.stop();
  };
  // The first engine's figures go into "results" (with the limits and the dashboard); a second
  // engine's into "results_<engine>", and its ratios to the first into "engine_ratios".
  std::map<std::string, json::object> other_engines;
  if (needs_server)
    for (const auto& engine : engines)
      run_server_workloads(engine, engine == engines.front() ? results : other_engines[engine]);

  // Its own programs and servers, one per size.
  if (want("dashboard")) record("dashboard", pb::run_dashboard(o, self_exe()));

  json::object ratios;
  auto ratio = [&](const char* name, const char* w, const char* field, const char* lw, const char* lfield) {
    if (!results.contains(w) || !results.contains(lw)) return;
    double limit = num(results.at(lw).as_object(), lfield);
    if (limit > 0) ratios[name] = num(results.at(w).as_object(), field) / limit;
  };
  ratio("chat_peak_to_echo", "chat-peak", "delivered_msgs_per_s", "echo", "msgs_per_s");
  ratio("chat_peak_to_peer", "chat-peak", "delivered_msgs_per_s", "chat-peak-peer", "delivered_msgs_per_s");
  ratio("chat_open_p99_to_peer", "chat-open", "e2e_p99_ms", "chat-open-peer", "e2e_p99_ms");
  ratio("chat_peak_to_storage", "chat-peak", "delivered_msgs_per_s", "storage", "rows_per_s");
  ratio("push_to_storage", "push", "ops_per_s", "storage", "rows_per_s");
  ratio("pull_to_storage", "pull", "rows_per_s", "storage", "rows_per_s");
  ratio("connect_to_echo", "connect", "conns_per_s", "echo", "msgs_per_s");

  std::uint64_t errors = 0;
  for (const auto& [k, v] : results) errors += static_cast<std::uint64_t>(num(v.as_object(), "errors"));
  json::object engine_ratios;
  for (const auto& [engine, r] : other_engines) {
    for (const auto& [k, v] : r) errors += static_cast<std::uint64_t>(num(v.as_object(), "errors"));
    report["results_" + engine] = r;
    // Each engine's main figure over the first engine's (1.0: as fast; above: faster).
    auto rel = [&](const char* w, const char* field, bool lower_is_better) {
      if (!r.contains(w) || !results.contains(w)) return;
      double a = num(results.at(w).as_object(), field), b = num(r.at(w).as_object(), field);
      if (a > 0 && b > 0) engine_ratios[engine + "/" + engines.front() + " " + w] = lower_is_better ? a / b : b / a;
    };
    rel("push", "seconds_to_last_ack", true);
    rel("chat-peak", "delivered_msgs_per_s", false);
    rel("pull", "seconds", true);
    rel("connect", "conns_per_s", false);
  }
  if (!engine_ratios.empty()) report["engine_ratios"] = engine_ratios;
  if (!instance_ratios.empty()) report["instance_ratios"] = instance_ratios;
  report["results"] = results;
  report["ratios"] = ratios;
  report["targets"] = judge(results);
  {
    // Issue #20's targets for connections, pushes and pulls: ratios to this run's limits; idle
    // held as far as the descriptor limit allows, its memory projected to 100,000 (one
    // connection's RSS growth is the same at any count: docs/benchmarks.md).
    json::object& t = report["targets"].as_object();
    auto at_least = [&](const char* name, const char* ratio_name, double target) {
      if (!ratios.contains(ratio_name)) return;
      double v = ratios.at(ratio_name).as_double();
      t[name] = {{"target", ">= " + fixed(target, 2) + " x the limit"}, {"value", v}, {"met", v >= target}};
    };
    at_least("issue20_push_to_storage", "push_to_storage", 0.25);
    at_least("issue20_pull_to_storage", "pull_to_storage", 0.70);
    at_least("issue20_connect_to_echo", "connect_to_echo", 0.20);
    if (results.contains("idle")) {
      const json::object& idle = results.at("idle").as_object();
      double per_conn = num(idle, "rss_per_conn_kib");
      double projected_mib = (num(idle, "server_rss_before_kib") + per_conn * 100000) / 1024;
      t["issue20_idle_8kib_per_conn"] = {{"target", "<= 8 KiB/conn with 100000 held"},
                                         {"value", per_conn},
                                         {"held", num(idle, "held")},
                                         {"projected_rss_mib_at_100000", projected_mib},
                                         {"met_as_far_as_measured", per_conn <= 8 && num(idle, "errors") == 0}};
    }
  }
  json::array engine_list;
  for (const auto& e : engines) engine_list.emplace_back(e);
  report["engines"] = std::move(engine_list);
  report["errors"] = errors;
  report["uptime_at_end"] = pb::uptime_line();
  if (!other_engines.empty()) std::cout << "\n" << engines.front() << ":";
  print_table(results, ratios);
  for (const auto& [engine, r] : other_engines) {
    std::cout << "\n" << engine << ":";
    print_table(r, {});
  }
  if (!engine_ratios.empty()) {
    std::cout << "\nengine ratios (throughput of the second over the first; above 1: faster):\n";
    for (const auto& [k, v] : engine_ratios) std::cout << "  " << std::left << std::setw(36) << std::string(k) << fixed(v.as_double(), 2) << "\n";
  }
  if (!instance_ratios.empty()) {
    std::cout << "\ninstance ratios (chat delivered msg/s on N instances over one, same database):\n";
    for (const auto& [k, v] : instance_ratios) std::cout << "  " << std::left << std::setw(44) << std::string(k) << fixed(v.as_double(), 2) << "\n";
  }
  if (results.contains("dashboard")) print_dashboard(results.at("dashboard").as_object());
  std::cout << "\nload: " << pb::uptime_line() << "\n";
  if (!o.json_path.empty()) {
    std::ofstream out(o.json_path);
    out << json::serialize(report) << "\n";
    if (!out) {
      std::cerr << "passerelle-bench: cannot write " << o.json_path << "\n";
      return 1;
    }
  }
  return exit_code ? exit_code : (errors ? 1 : 0);
}
