// The native driver: a SyncMachine on one io_context. Everything of a Run is touched by the
// thread that runs its io_context only; the socket's reports and the upload's end arrive from
// other threads and are posted onto it.
#include "sync/sync_engine.h"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <map>
#include <optional>
#include <vector>

#include "files/blob_transfer.h"
#include "sync/builtin_transport.h"

namespace passerelle::client {

namespace net = boost::asio;
using Clock = std::chrono::steady_clock;

namespace {

// The WebSocket URL the machine opens: what the server's URL names, path included.
std::string socket_url(const ServerUrl& url) { return (url.tls ? "wss://" : "ws://") + url.host_port() + url.path; }

// Where a socket's reports go: onto the Run's io_context, tagged with the socket they came from.
// Detached when the Run lets the socket go, so a host that reports late reaches nothing.
class Inbox final : public SocketEvents {
 public:
  using Deliver = std::function<void(SyncEvent)>;
  Inbox(net::io_context& io, Deliver deliver) : io_(&io), deliver_(std::move(deliver)) {}
  void opened() override { post(SyncEvent::simple(SyncEvent::Kind::socket_opened)); }
  void received(std::string frame) override { post(SyncEvent::received(std::move(frame))); }
  void closed(Failure why) override {
    post(SyncEvent::closed(std::move(why)));
    std::lock_guard lock(m_);
    io_ = nullptr;  // nothing more from this socket
  }
  void detach() {
    std::lock_guard lock(m_);
    io_ = nullptr;
  }

 private:
  void post(SyncEvent e) {
    std::lock_guard lock(m_);
    if (io_) net::post(*io_, [d = deliver_, e = std::move(e)] { d(e); });
  }
  std::mutex m_;
  net::io_context* io_;
  Deliver deliver_;
};

}  // namespace

struct SyncEngine::Run {
  Run(SyncMachineConfig config, SyncStore& store, std::mutex& store_mutex, files::FileStore* files)
      : machine(std::move(config), store, store_mutex, files) {}
  ~Run() {
    if (upload_cancel) *upload_cancel = true;
    if (upload.joinable()) upload.join();
    let_socket_go();
    timers.clear();
  }

  void let_socket_go() {
    if (inbox) inbox->detach();
    inbox.reset();
    if (socket) socket->close();
    socket.reset();
  }

  // io first: destroyed last, after everything that posts to it.
  net::io_context io;
  net::executor_work_guard<net::io_context::executor_type> work = net::make_work_guard(io);
  SyncMachine machine;
  std::unique_ptr<Socket> socket;
  std::shared_ptr<Inbox> inbox;
  std::map<std::int64_t, std::shared_ptr<net::steady_timer>> timers;
  std::thread upload;
  std::shared_ptr<std::atomic<bool>> upload_cancel;
  Clock::time_point deadline = Clock::time_point::max();  // run_once's, for uploads
  ProgressHandler progress;                               // run_once's
  std::optional<Outcome<SyncSummary>> result;             // run_once's, once finished
};

SyncEngine::SyncEngine(SyncEngineConfig config, SyncStore& store, std::mutex& store_mutex, SyncEngineHooks hooks,
                       files::FileStore* files)
    : config_(std::move(config)), store_(store), store_mutex_(store_mutex), hooks_(std::move(hooks)), files_(files) {
  if (!config_.transport) config_.transport = make_builtin_transport(config_.connection);
}

SyncEngine::~SyncEngine() { stop(); }

SyncMachineConfig SyncEngine::machine_config(bool once, std::chrono::milliseconds deadline) const {
  SyncMachineConfig m;
  m.url = socket_url(config_.connection.url);
  m.server = config_.connection.url.str();
  m.token = config_.token;
  m.once = once;
  m.deadline = deadline;
  m.request_timeout = config_.connection.request_timeout;
  m.backoff_min = config_.backoff_min;
  m.backoff_max = config_.backoff_max;
  m.pull_limit = config_.pull_limit;
  m.max_push_bytes = config_.max_push_bytes;
  m.max_frame = config_.connection.max_frame;
  m.delivery_receipts = config_.delivery_receipts;
  return m;
}

SyncEngine::Snapshot SyncEngine::snapshot() const {
  std::lock_guard lock(snapshot_mutex_);
  return snapshot_;
}

void SyncEngine::feed(Run& run, const SyncEvent& event) {
  auto actions = run.machine.feed(event);
  carry_out(run, std::move(actions));
}

void SyncEngine::carry_out(Run& run, std::vector<SyncAction> actions) {
  using K = SyncAction::Kind;
  for (SyncAction& a : actions) {
    switch (a.kind) {
      case K::open_socket: {
        run.let_socket_go();
        run.inbox = std::make_shared<Inbox>(run.io, [this, &run](SyncEvent e) { feed(run, e); });
        run.socket = config_.transport->open(a.url, run.inbox);
        break;
      }
      case K::send_frame:
        if (run.socket) run.socket->send(std::move(a.frame));
        break;
      case K::close_socket: run.let_socket_go(); break;
      case K::arm_timer: {
        auto timer = std::make_shared<net::steady_timer>(run.io, a.delay);
        run.timers[a.timer] = timer;
        timer->async_wait([this, &run, id = a.timer, timer](boost::system::error_code ec) {
          if (ec) return;
          auto it = run.timers.find(id);
          if (it == run.timers.end() || it->second != timer) return;
          run.timers.erase(it);
          feed(run, SyncEvent::fired(id));
        });
        break;
      }
      case K::cancel_timer:
        if (auto it = run.timers.find(a.timer); it != run.timers.end()) {
          it->second->cancel();
          run.timers.erase(it);
        }
        break;
      case K::start_upload: {
        // Blocking HTTP on a thread of its own: the socket keeps being served meanwhile.
        if (run.upload.joinable()) run.upload.join();  // the previous one ended or was cancelled
        run.upload_cancel = std::make_shared<std::atomic<bool>>(false);
        files::TransferOptions o;
        o.server = config_.connection.url;
        o.ca_file = config_.connection.ca_file;
        o.token = config_.token;
        o.connect_timeout = config_.connection.connect_timeout;
        o.stall_timeout = config_.transfer_stall_timeout;
        o.deadline = run.deadline;
        o.cancelled = [cancel = run.upload_cancel] { return cancel->load(); };
        run.upload = std::thread([this, &run, o = std::move(o), path = a.path, sha = a.sha256] {
          auto sent = files::put_blob(o, path, sha);
          std::optional<Failure> failure;
          if (!sent) failure = std::move(sent).failure();
          net::post(run.io, [this, &run, sha, failure = std::move(failure)] { feed(run, SyncEvent::uploaded(sha, failure)); });
        });
        break;
      }
      case K::cancel_upload:
        if (run.upload_cancel) *run.upload_cancel = true;
        break;
      case K::rows_changed:
        if (hooks_.rows_changed) hooks_.rows_changed(a.rows);
        break;
      case K::rejected:
        if (hooks_.rejected && a.rejection) hooks_.rejected(*a.rejection);
        break;
      case K::state_changed:
        {
          std::lock_guard lock(snapshot_mutex_);
          snapshot_ = a.snapshot;
        }
        if (hooks_.state_changed) hooks_.state_changed();
        break;
      case K::progress:
        if (run.progress) run.progress(a.progress);
        break;
      case K::session_ended:
        if (hooks_.session_ended) hooks_.session_ended();
        break;
      case K::account_deleted:
        if (hooks_.account_deleted) hooks_.account_deleted();
        break;
      case K::finished:
        if (a.failure)
          run.result.emplace(std::move(*a.failure));
        else
          run.result.emplace(std::move(a.summary));
        run.work.reset();
        run.io.stop();
        break;
    }
  }
}

void SyncEngine::start() {
  if (thread_.joinable()) return;
  std::lock_guard lock(run_mutex_);
  background_ = std::make_unique<Run>(machine_config(false, {}), store_, store_mutex_, files_);
  Run& run = *background_;
  net::post(run.io, [this, &run] { feed(run, SyncEvent::simple(SyncEvent::Kind::start)); });
  thread_ = std::thread([&run] { run.io.run(); });
}

void SyncEngine::stop() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard lock(run_mutex_);
    Run& run = *background_;
    if (run.upload_cancel) *run.upload_cancel = true;  // a transfer in flight ends within 100 ms
    net::post(run.io, [this, &run] {
      feed(run, SyncEvent::simple(SyncEvent::Kind::stop));
      run.io.stop();
    });
  }
  thread_.join();
  std::unique_ptr<Run> done;
  {
    std::lock_guard lock(run_mutex_);
    done = std::move(background_);
  }
  done.reset();
}

void SyncEngine::notify_local_write() {
  std::lock_guard lock(run_mutex_);
  if (!background_) return;
  Run& run = *background_;
  net::post(run.io, [this, &run] { feed(run, SyncEvent::simple(SyncEvent::Kind::local_write)); });
}

Outcome<SyncSummary> SyncEngine::run_once(std::chrono::milliseconds timeout, const ProgressHandler& progress) {
  if (running()) return usage_failure("the background sync is running; it syncs by itself");
  Run run(machine_config(true, timeout), store_, store_mutex_, files_);
  run.deadline = Clock::now() + timeout;
  run.progress = progress;
  feed(run, SyncEvent::simple(SyncEvent::Kind::start));
  if (!run.result) run.io.run();
  if (!run.result) return network_failure("sync ended without a result");  // never expected
  return std::move(*run.result);
}

}  // namespace passerelle::client
