// The coaching-message commands (docs/messages.md): threads with unread counts, a thread's
// messages with their state, send (with files), read, download, uploads. Reads are the local
// view; writes go through the Client API, so they work offline and reach the server at the
// next sync; only `download` needs the network (for a file not on this device yet).
#include <algorithm>
#include <cstdio>
#include <iostream>

#include "cli.h"
#include "passerelle/shared/ids.h"
#include "passerelle/shared/messages/files.h"
#include "passerelle/shared/sync/mutator.h"
#include "passerelle/shared/time.h"
#include "plan_format.h"

namespace passerelle::cli {

namespace {

namespace collection = sync::collection;
using client::MessageState;
using client::MessageView;
using client::ThreadSummary;

// A full thread id or a unique prefix of one, among the threads on this device.
std::optional<int> resolve_thread(Client& client, const std::string& text, std::string& id) {
  auto rows = client.list(collection::threads);
  if (!rows) return fail_data(rows.failure());
  std::vector<std::string> ids;
  for (const auto& r : *rows) ids.push_back(field(r, "id"));
  auto found = match_prefix(ids, text);
  if (found.size() == 1) {
    id = found[0];
    return std::nullopt;
  }
  if (found.size() > 1)
    return fail(kUsage, "'" + text + "' matches " + std::to_string(found.size()) + " threads on this device; give more of the id");
  return fail(kUsage, "unknown thread '" + text +
                          "' on this device (see passerelle threads; passerelle sync fetches new ones)");
}

// The thread a command names: its first bare word, or --thread (the older form).
std::optional<int> thread_argument(Client& client, const Args& args, const std::string& command, std::string& id) {
  auto flag = args.flag("--thread");
  if (flag && !args.positional.empty() && command != "send")
    return fail(kUsage, command + " takes the thread once: THREAD or --thread ID");
  std::string text = flag ? *flag : args.positional.empty() ? std::string() : args.positional[0];
  if (text.empty()) return fail(kUsage, command + " needs a thread id (see passerelle threads)");
  return resolve_thread(client, text, id);
}

// Times are shown in the viewer's zone (their profile), else UTC.
std::string viewer_zone(Client& client, const UserInfo& user) {
  if (auto p = client.get(collection::profiles, user.id); p && *p)
    if (auto z = field(**p, "time_zone"); !z.empty() && is_valid_time_zone(z)) return z;
  return "UTC";
}

std::string local(const std::optional<std::string>& rfc3339, const std::string& zone) {
  if (!rfc3339) return "";
  auto t = parse_rfc3339(*rfc3339);
  if (!t) return *rfc3339;
  return format_local(*t, zone).value_or(*rfc3339);
}

std::string size_text(std::int64_t bytes) {
  char buf[32];
  if (bytes < 1024) return std::to_string(bytes) + " bytes";
  if (bytes < 1024 * 1024) {
    std::snprintf(buf, sizeof buf, "%.0f KiB", static_cast<double>(bytes) / 1024);
    return buf;
  }
  std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(bytes) / (1024 * 1024));
  return buf;
}

std::string plural(std::int64_t n, const std::string& one, const std::string& many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

int list_threads(Client& client) {
  auto threads = client.threads();
  if (!threads) return fail_data(threads.failure());
  if (threads->empty()) {
    std::cout << "no threads on this device (passerelle sync fetches them)\n";
    return kOk;
  }
  std::int64_t total = 0;
  for (const auto& t : *threads) {
    total += t.unread;
    std::cout << t.id << "  " << t.kind << "  with " << t.title << "  "
              << plural(t.message_count, "message", "messages");
    if (t.unread > 0) std::cout << ", " << t.unread << " unread";
    std::cout << "\n";
  }
  std::cout << "unread: " << total << " in total\n";
  return kOk;
}

void print_message(const MessageView& m, const std::string& zone) {
  bool queued = m.state == MessageState::queued;
  std::cout << "#" << m.n << (queued ? "?" : "") << "  " << (queued ? std::string("not yet sent") : local(m.sent_at, zone))
            << "  " << m.author_name;
  if (m.mine) std::cout << "  " << (queued ? std::string("queued") : std::string(to_string(m.state)));
  // The author's clock says when it was written: worth showing when it went out later
  // (written offline), not when it only repeats the sent time.
  std::string written = local(m.written_at, zone);
  if (!written.empty() && (queued || written != local(m.sent_at, zone))) std::cout << "  (written " << written << ")";
  std::cout << "  id " << m.id << "\n";
  if (!m.body.empty()) {
    std::size_t start = 0;
    while (start <= m.body.size()) {
      auto end = m.body.find('\n', start);
      if (end == std::string::npos) end = m.body.size();
      std::cout << "    " << m.body.substr(start, end - start) << "\n";
      start = end + 1;
    }
  }
  for (const auto& a : m.attachments)
    std::cout << "    file: " << a.name << "  " << a.type << "  " << size_text(a.size) << "  " << a.sha256
              << (a.on_device ? "  (on this device)" : "") << "\n";
}

int show_messages(Client& client, const UserInfo& user, const std::string& thread) {
  auto msgs = client.thread_messages(thread);
  if (!msgs) return fail_data(msgs.failure());
  std::string zone = viewer_zone(client, user);
  std::cout << "thread " << thread << " (times in " << zone << ")\n";
  if (msgs->empty()) std::cout << "no messages yet\n";
  for (const auto& m : *msgs) print_message(m, zone);
  return kOk;
}

std::string read_body(const Args& args, bool from_stdin) {
  std::string body;
  for (const auto& w : args.positional) body += (body.empty() ? "" : " ") + w;
  if (from_stdin) {
    std::string line;
    while (std::getline(std::cin, line)) body += line + "\n";
    while (!body.empty() && (body.back() == '\n' || body.back() == '\r')) body.pop_back();
  }
  return body;
}

int send(Client& client, const std::string& thread, const std::string& body, const std::vector<std::string>& files) {
  std::vector<std::filesystem::path> paths(files.begin(), files.end());
  auto id = client.send_message(thread, body, paths);
  if (!id) return fail_data(id.failure());
  std::cout << "queued: message " << *id << " to thread " << thread;
  if (!files.empty()) std::cout << " with " << plural(static_cast<std::int64_t>(files.size()), "file", "files");
  std::cout << "; it reaches the server at the next sync\n";
  return kOk;
}

// The name a downloaded file gets by default: as it was attached, when a message here says.
std::string attached_name(Client& client, const std::string& sha256) {
  auto threads = client.threads();
  if (!threads) return {};
  for (const auto& t : *threads) {
    auto msgs = client.thread_messages(t.id);
    if (!msgs) continue;
    for (const auto& m : *msgs)
      for (const auto& a : m.attachments)
        if (a.sha256 == sha256 && !passerelle::files::file_name_problem(a.name)) return a.name;
  }
  return {};
}

int download(Client& client, const Args& args) {
  if (args.positional.empty()) return fail(kUsage, "download needs the file's SHA-256 (see passerelle messages THREAD)");
  const std::string& sha256 = args.positional[0];
  if (!passerelle::files::is_sha256_hex(sha256))
    return fail(kUsage, "'" + sha256 + "' is not a file hash (64 lower-case hex digits, as passerelle messages shows)");
  std::filesystem::path out;
  if (auto o = args.flag("--out")) {
    out = *o;
  } else {
    std::string name = attached_name(client, sha256);
    out = name.empty() ? sha256 : name;
  }
  auto saved = client.download_file(sha256, out);
  if (!saved) {
    const Failure& f = saved.failure();
    if (f.origin == Origin::usage && f.code() == ErrorCode::conflict)
      return fail(kUsage, f.message() + " (give another with --out FILE)");
    return fail_data(f);
  }
  std::error_code ec;
  auto size = std::filesystem::file_size(*saved, ec);
  std::cout << "saved " << saved->string() << " (" << size_text(static_cast<std::int64_t>(size)) << ")\n";
  return kOk;
}

int list_uploads(Client& client) {
  auto list = client.uploads();
  if (!list) return fail_data(list.failure());
  if (list->empty()) std::cout << "no files queued for upload\n";
  for (const auto& u : *list) {
    std::cout << u.sha256 << "  " << u.name << "  " << size_text(u.size) << "  " << client::to_string(u.state);
    if (u.error) std::cout << ": " << to_string(u.error->code) << ": " << u.error->message;
    std::cout << "\n";
  }
  return kOk;
}

}  // namespace

const std::map<std::string, CommandSpec>& message_command_specs() {
  static const std::map<std::string, CommandSpec> specs = {
      {"threads", {}},
      {"messages", {{"--thread"}, {}, 1}},
      {"send", {{"--attach"}, {}, 1'000'000}},
      {"read", {{"--thread"}, {}, 1}},
      {"download", {{"--out"}, {}, 1}},
      {"uploads", {}},
      {"message", {}},
      {"message send", {{"--thread", "--attach"}, {}, 1'000'000}},
      {"message delete", {{}, {}, 1}},
  };
  return specs;
}

const std::map<std::string, std::string>& message_command_help() {
  static const std::map<std::string, std::string> help = {
      {"threads",
       "usage: passerelle [global options] threads\n\n"
       "Lists your threads from local data, most recent first: id, kind, the other members'\n"
       "names, the number of messages and of unread ones (messages of others you have not\n"
       "read), then the unread total.\n"},
      {"messages",
       "usage: passerelle [global options] messages THREAD\n"
       "       passerelle [global options] messages --thread THREAD\n\n"
       "Shows a thread's messages in the server's order, from local data. Each header reads\n"
       "#N, the time sent (in your profile's time zone), the author, for your own messages their\n"
       "state (queued, sent, delivered, read), the time written when it differs, and the id;\n"
       "then the text and the attached files (name, type, size, SHA-256, whether it is on this\n"
       "device). Messages still queued here come last, their number marked '?'.\n"
       "THREAD is an id or a unique prefix of one. This does not mark the thread read: see read.\n"},
      {"read",
       "usage: passerelle [global options] read THREAD\n\n"
       "Shows the thread's messages like messages, then marks it read up to the last message of\n"
       "others (queued; the others see \"read\" after the next sync).\n"},
      {"send",
       "usage: passerelle [global options] send THREAD [TEXT...] [--attach FILE]...\n\n"
       "Queues a message to the thread. Without TEXT the text is read from standard input, unless\n"
       "files are attached (then the message may have no text). Each --attach FILE (at most " +
           std::to_string(passerelle::files::kMaxAttachmentsPerMessage) +
           ") must be a PDF, Word (DOCX),\n"
           "OpenDocument text (ODT), PNG or JPEG file, judged by its content, of at most 10 MiB;\n"
           "others are refused here at once (exit 2). The files are kept on this device and\n"
           "uploaded at the next sync, before the message. Works offline.\n"},
      {"download",
       "usage: passerelle [global options] download SHA256 [--out FILE]\n\n"
       "Saves an attached file (SHA256 as messages shows it) to FILE, by default its attached\n"
       "name in the current folder. From this device when it has it, else from the server\n"
       "(exit 3 when it cannot be reached, 1 when the file is not readable by you). The file is\n"
       "checked against its SHA-256 before it is kept; an existing FILE is not replaced (exit 2).\n"},
      {"uploads",
       "usage: passerelle [global options] uploads\n\n"
       "Lists the files queued for upload on this device: pending (sent at the next sync), done,\n"
       "or failed with the server's reason (the message attaching it is then rejected).\n"},
      {"message",
       "usage: passerelle [global options] message send --thread ID [TEXT...] [--attach FILE]...\n"
       "       passerelle [global options] message delete ID\n"},
      {"message send",
       "usage: passerelle [global options] message send --thread ID [TEXT...] [--attach FILE]...\n\n"
       "The same as send THREAD: queues a message to the thread; without TEXT the body is read\n"
       "from standard input. Works offline; it reaches the server at the next sync.\n"},
      {"message delete",
       "usage: passerelle [global options] message delete ID\n\n"
       "Queues the deletion of one of your messages.\n"},
  };
  return help;
}

std::optional<int> run_message_command(Client& client, const UserInfo& user, const Args& args) {
  const std::string& cmd = args.command;
  if (!message_command_specs().count(cmd)) return std::nullopt;
  if (cmd == "threads") return list_threads(client);
  if (cmd == "uploads") return list_uploads(client);
  if (cmd == "download") return download(client, args);

  if (cmd == "messages" || cmd == "read") {
    std::string thread;
    if (auto bad = thread_argument(client, args, cmd, thread)) return *bad;
    if (int shown = show_messages(client, user, thread); shown != kOk) return shown;
    if (cmd == "messages") return kOk;
    auto threads = client.threads();
    if (!threads) return fail_data(threads.failure());
    auto it = std::find_if(threads->begin(), threads->end(), [&](const ThreadSummary& t) { return t.id == thread; });
    std::int64_t unread = it == threads->end() ? 0 : it->unread;
    if (auto marked = client.mark_read(thread); !marked) return fail_data(marked.failure());
    if (unread == 0)
      std::cout << "nothing new to mark read\n";
    else
      std::cout << "marked " << plural(unread, "message", "messages") << " read; the others see it after the next sync\n";
    return kOk;
  }

  if (cmd == "send" || cmd == "message send") {
    std::string thread;
    auto all = args.all("--attach");
    Args words = args;
    if (cmd == "send") {
      // THREAD is the first word; the rest is the text.
      if (words.positional.empty()) return fail(kUsage, "send needs a thread id (see passerelle threads)");
      std::string text = words.positional.front();
      words.positional.erase(words.positional.begin());
      if (auto bad = resolve_thread(client, text, thread)) return *bad;
    } else {
      auto flag = args.flag("--thread");
      if (!flag) return fail(kUsage, "message send needs --thread ID (see passerelle threads)");
      if (auto bad = resolve_thread(client, *flag, thread)) return *bad;
    }
    std::string body = read_body(words, words.positional.empty() && all.empty());
    return send(client, thread, body, all);
  }

  if (cmd == "message delete") {
    if (args.positional.empty()) return fail(kUsage, "message delete needs the message ID (see passerelle messages)");
    const std::string& id = args.positional[0];
    auto m = client.get(collection::messages, id);
    if (!m) return fail_data(m.failure());
    if (!*m) return fail(kUsage, "unknown message '" + id + "' on this device");
    return queue(client, "message.delete", {{"id", id}}, "delete message " + id);
  }

  return fail(kUsage, cmd + " needs a sub-command (see passerelle " + cmd + " --help)");
}

}  // namespace passerelle::cli
