// libpasserelle_jni: the JNI glue between org.passerelle (Java/Kotlin) and the C API
// (passerelle.h). Every native method of org.passerelle.Native lives here.
//
// Rules this file keeps (docs/bindings.md, "Android"):
// - Strings cross as byte[] of standard UTF-8 in both directions and are decoded by Java:
//   JNI's NewStringUTF/GetStringUTFChars speak "modified UTF-8", which mangles emoji (4-byte
//   sequences) and NUL. A byte[] holding a NUL is refused (the C API takes C strings).
// - No C++ exception reaches the JVM: every entry point catches everything; a psl_error becomes
//   an org.passerelle.PasserelleException carrying its code and origin.
// - Observers: the core calls back on its own threads (the sync thread, or a mutate caller's
//   thread) with its observer lock held. The callback here only copies the JSON into a queue.
//   One dispatcher thread per client, attached to the JVM once (as a daemon) and detached when
//   it ends, takes the queue and calls Client.dispatch(), which hands the listener to the app's
//   Executor. So Java code never runs on a core thread nor under a core lock, and no core
//   thread is ever attached to the JVM.
// - A host transport (org.passerelle.Transport) follows the same rule: the core's open/send/
//   close callbacks only queue a command; one "passerelle-transport" thread per client, attached
//   once, runs them in order on the app's Transport (through TransportBridge). The app reports
//   back on TransportSocket from any Java thread, straight into psl_socket_*.
#include <jni.h>

#include <condition_variable>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <new>
#include <string>
#include <thread>
#include <vector>

#include "passerelle/passerelle.h"

namespace {

JavaVM* g_vm = nullptr;
jclass g_exception_class = nullptr;    // org.passerelle.PasserelleException
jmethodID g_exception_ctor = nullptr;  // (int code, int origin, byte[] message)
jclass g_client_class = nullptr;       // org.passerelle.Client
jmethodID g_client_dispatch = nullptr; // void dispatch(int kind, long listenerId, byte[] json)
jclass g_bridge_class = nullptr;       // org.passerelle.TransportBridge
jmethodID g_bridge_open = nullptr;     // static Object open(Transport, byte[] url, long socket)
jmethodID g_bridge_send = nullptr;     // static void send(Object connection, byte[] frame)
jmethodID g_bridge_close = nullptr;    // static void close(Object connection)

enum Kind : jint { kRows = 1, kSyncState = 2, kRejection = 3 };

// A thread attached to the JVM (as a daemon, once) that runs queued items in order: each
// client's dispatcher and its transport pump. Its owner (Binding, TransportPump) starts `thread`
// on a function that calls drain(), and stops it with stop().
template <class Item>
struct JvmQueue {
  std::mutex m;
  std::condition_variable cv;
  std::deque<Item> queue;
  bool stopping = false;
  // stop() called on the thread itself (a direct Executor whose listener closes the client): the
  // thread cannot join itself, so its owner deletes itself when drain() returns true.
  bool delete_on_exit = false;
  std::thread thread;

  // Never throws into the core. An item posted after stop() is dropped (nothing posted then must
  // still run), as is one that finds no memory: the sync's timeouts notice a lost transport
  // command, and the next notification carries fresh state.
  void post(Item item) noexcept {
    try {
      {
        std::lock_guard lock(m);
        if (stopping) return;
        queue.push_back(std::move(item));
      }
      cv.notify_one();
    } catch (...) {
    }
  }

  // On the thread: attaches it as `name`, runs `handle(env, item)` for each item in order (env is
  // null when the JVM refused to attach the thread: the handler fails what must not wait), until
  // stop() and an empty queue; then `release(env)` while still attached, and detaches. True when
  // the owner must delete itself (see delete_on_exit).
  template <class Handle, class Release>
  bool drain(const char* name, Handle&& handle, Release&& release) noexcept {
    JNIEnv* env = nullptr;
    JavaVMAttachArgs args{JNI_VERSION_1_6, const_cast<char*>(name), nullptr};
#ifdef __ANDROID__
    bool attached = g_vm->AttachCurrentThreadAsDaemon(&env, &args) == JNI_OK;
#else
    bool attached = g_vm->AttachCurrentThreadAsDaemon(reinterpret_cast<void**>(&env), &args) == JNI_OK;
#endif
    for (;;) {
      Item item;
      {
        std::unique_lock lock(m);
        cv.wait(lock, [&] { return stopping || !queue.empty(); });
        if (queue.empty()) break;  // stopping, and what was queued handed over
        item = std::move(queue.front());
        queue.pop_front();
      }
      try {
        handle(attached ? env : nullptr, item);
      } catch (...) {
      }
    }
    bool self_delete;
    {
      std::lock_guard lock(m);
      self_delete = delete_on_exit;
    }
    if (attached) {
      release(env);
      g_vm->DetachCurrentThread();
    }
    if (self_delete) thread.detach();
    return self_delete;
  }

  // Ends the thread after what is queued. True when the caller must now join `thread` and delete
  // the owner; false when called on the thread itself (drain() then says so).
  bool stop() noexcept {
    bool on_thread = std::this_thread::get_id() == thread.get_id();
    {
      std::lock_guard lock(m);
      stopping = true;
      delete_on_exit = on_thread;
    }
    cv.notify_all();
    return !on_thread;
  }
};

struct Event {
  Kind kind = kRows;
  jlong listener_id = 0;
  std::string json;
};

struct Binding;
struct TransportPump;

// What a C observer's context points at; freed once psl_client_unobserve has returned.
struct Observer {
  Binding* binding;
  Kind kind;
  jlong listener_id;
};

// One per org.passerelle.Client: the C client, the Java object to dispatch to, the queue and the
// dispatcher thread.
struct Binding {
  psl_client* client = nullptr;
  jobject java_client = nullptr;  // global ref, released when the dispatcher ends
  JvmQueue<Event> events;          // its thread is the dispatcher

  std::mutex observers_m;
  std::map<psl_observer_token, Observer*> observers;

  TransportPump* pump = nullptr;  // only with an app-given Transport

  void post(Kind kind, jlong listener_id, const char* json) noexcept {
    try {
      events.post(Event{kind, listener_id, json ? json : ""});
    } catch (...) {
      // Out of memory copying the JSON: this notification is lost; the next one carries fresh state.
    }
  }

  void run() noexcept;
};

// --- JNI helpers ---------------------------------------------------------------------------------

jbyteArray to_bytes(JNIEnv* env, const char* s) {
  if (!s) return nullptr;
  auto n = static_cast<jsize>(std::strlen(s));
  jbyteArray out = env->NewByteArray(n);
  if (!out) return nullptr;  // OutOfMemoryError pending
  env->SetByteArrayRegion(out, 0, n, reinterpret_cast<const jbyte*>(s));
  return out;
}

// Returns the string and frees it (psl_string_free), as a Java byte[].
jbyteArray take_bytes(JNIEnv* env, char* s) {
  jbyteArray out = to_bytes(env, s);
  psl_string_free(s);
  return out;
}

void throw_error(JNIEnv* env, int code, int origin, const char* message) {
  if (env->ExceptionCheck()) return;
  jbyteArray m = to_bytes(env, message ? message : "");
  if (env->ExceptionCheck()) return;
  auto ex = static_cast<jthrowable>(env->NewObject(g_exception_class, g_exception_ctor, code, origin, m));
  if (ex) env->Throw(ex);
}

void throw_psl(JNIEnv* env, psl_error& err) {
  throw_error(env, err.code, err.origin, err.message);
  psl_error_clear(&err);
}

void throw_usage(JNIEnv* env, const char* message) { throw_error(env, PSL_BAD_REQUEST, PSL_ORIGIN_USAGE, message); }

// A Java byte[] (UTF-8) as a C string; nullopt-like `ok=false` after throwing when it holds a NUL.
struct Utf8 {
  std::string text;
  bool present = false;
  bool ok = true;
};
Utf8 from_bytes(JNIEnv* env, jbyteArray bytes, const char* what) {
  Utf8 out;
  if (!bytes) return out;
  jsize n = env->GetArrayLength(bytes);
  out.text.resize(static_cast<std::size_t>(n));
  if (n > 0) env->GetByteArrayRegion(bytes, 0, n, reinterpret_cast<jbyte*>(out.text.data()));
  out.present = true;
  if (out.text.find('\0') != std::string::npos) {
    std::string m = std::string(what) + " contains a NUL character";
    throw_usage(env, m.c_str());
    out.ok = false;
  }
  return out;
}
const char* c_str(const Utf8& u) { return u.present ? u.text.c_str() : nullptr; }

Binding* binding_of(JNIEnv* env, jlong handle) {
  auto* b = reinterpret_cast<Binding*>(handle);
  if (!b || !b->client) {
    throw_usage(env, "the client is closed");
    return nullptr;
  }
  return b;
}

// Runs a native method's body; a C++ exception becomes a Java error instead of crossing into
// the JVM.
template <class R, class F>
R guarded(JNIEnv* env, R failed, F&& body) noexcept {
  try {
    return body();
  } catch (const std::bad_alloc&) {
    if (!env->ExceptionCheck()) env->ThrowNew(env->FindClass("java/lang/OutOfMemoryError"), "passerelle_jni");
  } catch (...) {
    if (!env->ExceptionCheck()) throw_error(env, PSL_INTERNAL, PSL_ORIGIN_LOCAL, "internal error in the JNI glue");
  }
  return failed;
}

// --- the host transport ----------------------------------------------------------------------------

// The library's handle for one connection of the app's Transport: the Java Connection, set by
// the transport thread once Transport.open returned (null when it failed).
struct HostConnection {
  jobject connection = nullptr;  // global ref
};

struct TransportCommand {
  enum Kind { kOpen, kSend, kClose } kind = kOpen;
  HostConnection* conn = nullptr;
  psl_socket* socket = nullptr;  // kOpen
  std::string text;              // kOpen: the URL; kSend: the frame
};

// One per client with a Transport: the queue of the core's calls and the thread that makes them
// in Java, in order.
struct TransportPump {
  jobject transport = nullptr;  // global ref to the app's Transport, released when the thread ends
  JvmQueue<TransportCommand> commands;

  void post(TransportCommand c) noexcept { commands.post(std::move(c)); }

  void run() noexcept;
  void run_one(JNIEnv* env, TransportCommand& c);
  // After psl_client_close: the core has asked for every close it owes; run them, then end.
  void finish() noexcept;

  static void* open(void* context, psl_socket* socket, const char* url) noexcept {
    auto* self = static_cast<TransportPump*>(context);
    auto* conn = new (std::nothrow) HostConnection();
    if (!conn) {
      psl_socket_closed(socket, "out of memory");
      return nullptr;
    }
    TransportCommand c;
    c.kind = TransportCommand::kOpen;
    c.conn = conn;
    c.socket = socket;
    try {
      c.text = url;
    } catch (...) {
    }
    self->post(std::move(c));
    return conn;
  }
  static void send(void* context, void* handle, const char* frame, size_t length) noexcept {
    if (!handle) return;
    TransportCommand c;
    c.kind = TransportCommand::kSend;
    c.conn = static_cast<HostConnection*>(handle);
    try {
      c.text.assign(frame, length);
    } catch (...) {
      return;
    }
    static_cast<TransportPump*>(context)->post(std::move(c));
  }
  static void close(void* context, void* handle) noexcept {
    if (!handle) return;
    TransportCommand c;
    c.kind = TransportCommand::kClose;
    c.conn = static_cast<HostConnection*>(handle);
    static_cast<TransportPump*>(context)->post(std::move(c));
  }
};

void TransportPump::run_one(JNIEnv* env, TransportCommand& c) {
  if (env->PushLocalFrame(8) != JNI_OK) {
    env->ExceptionClear();
    if (c.kind == TransportCommand::kOpen) psl_socket_closed(c.socket, "out of memory");
    if (c.kind == TransportCommand::kClose) delete c.conn;
    return;
  }
  switch (c.kind) {
    case TransportCommand::kOpen: {
      jbyteArray url = to_bytes(env, c.text.c_str());
      jobject conn = url ? env->CallStaticObjectMethod(g_bridge_class, g_bridge_open, transport, url,
                                                       reinterpret_cast<jlong>(c.socket))
                         : nullptr;
      if (env->ExceptionCheck()) {
        // TransportBridge catches what the app throws: this is an Error (out of memory...).
        env->ExceptionClear();
        conn = nullptr;
        psl_socket_closed(c.socket, "the app's transport failed to open");  // ignored if already reported
      }
      if (conn) c.conn->connection = env->NewGlobalRef(conn);
      break;
    }
    case TransportCommand::kSend: {
      if (!c.conn->connection) break;
      jbyteArray frame = env->NewByteArray(static_cast<jsize>(c.text.size()));
      if (frame) {
        env->SetByteArrayRegion(frame, 0, static_cast<jsize>(c.text.size()), reinterpret_cast<const jbyte*>(c.text.data()));
        env->CallStaticVoidMethod(g_bridge_class, g_bridge_send, c.conn->connection, frame);
      }
      break;
    }
    case TransportCommand::kClose: {
      if (c.conn->connection) {
        env->CallStaticVoidMethod(g_bridge_class, g_bridge_close, c.conn->connection);
        if (env->ExceptionCheck()) env->ExceptionClear();
        env->DeleteGlobalRef(c.conn->connection);
      }
      delete c.conn;
      c.conn = nullptr;
      break;
    }
  }
  if (env->ExceptionCheck()) {
    env->ExceptionDescribe();
    env->ExceptionClear();
  }
  env->PopLocalFrame(nullptr);
}

void TransportPump::run() noexcept {
  bool self_delete = commands.drain(
      "passerelle-transport",
      [this](JNIEnv* env, TransportCommand& c) {
        if (env) return run_one(env, c);
        // No JVM to run it in: fail the connection rather than leave the sync waiting.
        if (c.kind == TransportCommand::kOpen) psl_socket_closed(c.socket, "the app's transport is unavailable");
        if (c.kind == TransportCommand::kClose) delete c.conn;
      },
      [this](JNIEnv* env) {
        env->DeleteGlobalRef(transport);
        transport = nullptr;
      });
  if (self_delete) delete this;
}

void TransportPump::finish() noexcept {
  if (commands.stop()) {
    commands.thread.join();
    delete this;
  }
}

// --- the dispatcher --------------------------------------------------------------------------------

void Binding::run() noexcept {
  bool self_delete = events.drain(
      "passerelle-dispatch",
      [this](JNIEnv* env, Event& e) {
        if (!env) return;
        if (env->PushLocalFrame(8) != JNI_OK) {
          env->ExceptionClear();
          return;
        }
        jbyteArray json = to_bytes(env, e.json.c_str());
        if (json) env->CallVoidMethod(java_client, g_client_dispatch, static_cast<jint>(e.kind), e.listener_id, json);
        if (env->ExceptionCheck()) {
          // Client.dispatch catches what the Executor throws; anything else is a bug worth a trace.
          env->ExceptionDescribe();
          env->ExceptionClear();
        }
        env->PopLocalFrame(nullptr);
      },
      [this](JNIEnv* env) {
        env->DeleteGlobalRef(java_client);
        java_client = nullptr;
      });
  if (self_delete) delete this;
}

jlong observe(JNIEnv* env, jlong handle, jlong listener_id, Kind kind) {
  return guarded<jlong>(env, 0, [&]() -> jlong {
    Binding* b = binding_of(env, handle);
    if (!b) return 0;
    auto* o = new Observer{b, kind, listener_id};
    psl_error err = PSL_ERROR_INIT;
    psl_observer_token token = 0;
    auto trampoline = [](void* context, const char* json) {
      auto* obs = static_cast<Observer*>(context);
      obs->binding->post(obs->kind, obs->listener_id, json);
    };
    switch (kind) {
      case kRows: token = psl_client_observe_rows(b->client, trampoline, o, &err); break;
      case kSyncState: token = psl_client_observe_sync_state(b->client, trampoline, o, &err); break;
      case kRejection: token = psl_client_observe_rejections(b->client, trampoline, o, &err); break;
    }
    if (token == 0) {
      delete o;
      throw_psl(env, err);
      return 0;
    }
    std::lock_guard lock(b->observers_m);
    b->observers[token] = o;
    return static_cast<jlong>(token);
  });
}

// The common shape: a C call returning an owned string (NULL with or without an error).
template <class F>
jbyteArray string_call(JNIEnv* env, jlong handle, F&& call) {
  return guarded<jbyteArray>(env, nullptr, [&]() -> jbyteArray {
    Binding* b = binding_of(env, handle);
    if (!b) return nullptr;
    psl_error err = PSL_ERROR_INIT;
    char* out = call(b->client, &err);
    if (!out) {
      if (err.code != PSL_OK) throw_psl(env, err);
      return nullptr;
    }
    return take_bytes(env, out);
  });
}

template <class F>
void bool_call(JNIEnv* env, jlong handle, F&& call) {
  guarded<int>(env, 0, [&] {
    Binding* b = binding_of(env, handle);
    if (!b) return 0;
    psl_error err = PSL_ERROR_INIT;
    if (!call(b->client, &err)) throw_psl(env, err);
    return 0;
  });
}

}  // namespace

extern "C" {

JNIEXPORT jint JNICALL JNI_OnLoad(JavaVM* vm, void*) {
  g_vm = vm;
  JNIEnv* env = nullptr;
  if (vm->GetEnv(reinterpret_cast<void**>(&env), JNI_VERSION_1_6) != JNI_OK) return JNI_ERR;
  // Looked up here, on a thread whose class loader knows the app's classes: FindClass from the
  // dispatcher thread would use the system class loader (which, on Android, does not).
  jclass ex = env->FindClass("org/passerelle/PasserelleException");
  jclass client = env->FindClass("org/passerelle/Client");
  jclass bridge = env->FindClass("org/passerelle/TransportBridge");
  if (!ex || !client || !bridge) return JNI_ERR;
  g_exception_class = static_cast<jclass>(env->NewGlobalRef(ex));
  g_client_class = static_cast<jclass>(env->NewGlobalRef(client));
  g_bridge_class = static_cast<jclass>(env->NewGlobalRef(bridge));
  g_bridge_open = env->GetStaticMethodID(g_bridge_class, "open", "(Lorg/passerelle/Transport;[BJ)Ljava/lang/Object;");
  g_bridge_send = env->GetStaticMethodID(g_bridge_class, "send", "(Ljava/lang/Object;[B)V");
  g_bridge_close = env->GetStaticMethodID(g_bridge_class, "close", "(Ljava/lang/Object;)V");
  if (!g_bridge_open || !g_bridge_send || !g_bridge_close) return JNI_ERR;
  g_exception_ctor = env->GetMethodID(g_exception_class, "<init>", "(II[B)V");
  g_client_dispatch = env->GetMethodID(g_client_class, "dispatch", "(IJ[B)V");
  if (!g_exception_ctor || !g_client_dispatch) return JNI_ERR;
  return JNI_VERSION_1_6;
}

JNIEXPORT void JNICALL JNI_OnUnload(JavaVM* vm, void*) {
  JNIEnv* env = nullptr;
  if (vm->GetEnv(reinterpret_cast<void**>(&env), JNI_VERSION_1_6) != JNI_OK) return;
  if (g_exception_class) env->DeleteGlobalRef(g_exception_class);
  if (g_client_class) env->DeleteGlobalRef(g_client_class);
  if (g_bridge_class) env->DeleteGlobalRef(g_bridge_class);
  g_exception_class = g_client_class = g_bridge_class = nullptr;
}

JNIEXPORT jbyteArray JNICALL Java_org_passerelle_Native_version(JNIEnv* env, jclass) {
  return to_bytes(env, psl_version());
}

JNIEXPORT jint JNICALL Java_org_passerelle_Native_apiVersion(JNIEnv*, jclass) { return psl_api_version(); }

JNIEXPORT jbyteArray JNICALL Java_org_passerelle_Native_newId(JNIEnv* env, jclass) {
  char* id = psl_new_id();
  if (!id) {
    throw_error(env, PSL_INTERNAL, PSL_ORIGIN_LOCAL, "out of memory");
    return nullptr;
  }
  return take_bytes(env, id);
}

JNIEXPORT jlong JNICALL Java_org_passerelle_Native_open(JNIEnv* env, jclass, jobject java_client, jbyteArray data_dir,
                                                        jbyteArray server_url, jbyteArray ca_file, jint connect_ms,
                                                        jint request_ms, jint backoff_min_ms, jint backoff_max_ms,
                                                        jobject java_transport) {
  return guarded<jlong>(env, 0, [&]() -> jlong {
    Utf8 dir = from_bytes(env, data_dir, "dataDir"), url = from_bytes(env, server_url, "serverUrl"),
         ca = from_bytes(env, ca_file, "caFile");
    if (!dir.ok || !url.ok || !ca.ok) return 0;
    auto* b = new (std::nothrow) Binding();
    if (!b) {
      throw_error(env, PSL_INTERNAL, PSL_ORIGIN_LOCAL, "out of memory");
      return 0;
    }
    psl_client_options o;
    psl_client_options_init(&o);
    o.data_dir = c_str(dir);
    o.server_url = c_str(url);
    o.ca_file = c_str(ca);
    o.connect_timeout_ms = connect_ms;
    o.request_timeout_ms = request_ms;
    o.sync_backoff_min_ms = backoff_min_ms;
    o.sync_backoff_max_ms = backoff_max_ms;
    psl_transport transport{sizeof(psl_transport), nullptr, &TransportPump::open, &TransportPump::send,
                            &TransportPump::close};
    if (java_transport) {
      b->pump = new TransportPump();
      b->pump->transport = env->NewGlobalRef(java_transport);
      b->pump->commands.thread = std::thread([p = b->pump] { p->run(); });
      transport.context = b->pump;
      o.transport = &transport;
    }
    psl_error err = PSL_ERROR_INIT;
    psl_client* c = psl_client_open(&o, &err);
    if (!c) {
      if (b->pump) b->pump->finish();
      delete b;
      throw_psl(env, err);
      return 0;
    }
    b->client = c;
    b->java_client = env->NewGlobalRef(java_client);
    b->events.thread = std::thread([b] { b->run(); });
    return reinterpret_cast<jlong>(b);
  });
}

JNIEXPORT void JNICALL Java_org_passerelle_Native_close(JNIEnv* env, jclass, jlong handle) {
  guarded<int>(env, 0, [&] {
    auto* b = reinterpret_cast<Binding*>(handle);
    if (!b) return 0;
    // No callback after this returns: the core is gone and with it every observer.
    psl_client_close(b->client);
    b->client = nullptr;
    // The core has asked for every close it owed the app's Transport: make them, then stop.
    if (b->pump) b->pump->finish();
    b->pump = nullptr;
    {
      std::lock_guard lock(b->observers_m);
      for (auto& [token, o] : b->observers) delete o;
      b->observers.clear();
    }
    if (b->events.stop()) {
      b->events.thread.join();  // hands over what was queued, then detaches from the JVM
      delete b;
    }
    return 0;
  });
}

JNIEXPORT jbyteArray JNICALL Java_org_passerelle_Native_serverUrl(JNIEnv* env, jclass, jlong h) {
  return string_call(env, h, [](psl_client* c, psl_error* e) { return psl_client_server_url(c, e); });
}

JNIEXPORT jbyteArray JNICALL Java_org_passerelle_Native_deviceId(JNIEnv* env, jclass, jlong h) {
  return string_call(env, h, [](psl_client* c, psl_error* e) { return psl_client_device_id(c, e); });
}

JNIEXPORT jbyteArray JNICALL Java_org_passerelle_Native_login(JNIEnv* env, jclass, jlong h, jbyteArray email,
                                                              jbyteArray password) {
  Utf8 e = from_bytes(env, email, "email"), p = from_bytes(env, password, "password");
  if (!e.ok || !p.ok) return nullptr;
  return string_call(env, h, [&](psl_client* c, psl_error* err) { return psl_client_login(c, c_str(e), c_str(p), err); });
}

JNIEXPORT jbyteArray JNICALL Java_org_passerelle_Native_resume(JNIEnv* env, jclass, jlong h) {
  return string_call(env, h, [](psl_client* c, psl_error* e) { return psl_client_resume(c, e); });
}

JNIEXPORT jbyteArray JNICALL Java_org_passerelle_Native_acceptInvite(JNIEnv* env, jclass, jlong h, jbyteArray token,
                                                                     jbyteArray name, jbyteArray password) {
  Utf8 t = from_bytes(env, token, "token"), n = from_bytes(env, name, "name"), p = from_bytes(env, password, "password");
  if (!t.ok || !n.ok || !p.ok) return nullptr;
  return string_call(env, h, [&](psl_client* c, psl_error* err) {
    return psl_client_accept_invite(c, c_str(t), c_str(n), c_str(p), err);
  });
}

JNIEXPORT jbyteArray JNICALL Java_org_passerelle_Native_logout(JNIEnv* env, jclass, jlong h, jint flags) {
  return string_call(env, h, [flags](psl_client* c, psl_error* e) {
    return psl_client_logout(c, static_cast<uint32_t>(flags), e);
  });
}

JNIEXPORT jbyteArray JNICALL Java_org_passerelle_Native_currentUser(JNIEnv* env, jclass, jlong h) {
  return string_call(env, h, [](psl_client* c, psl_error* e) { return psl_client_current_user(c, e); });
}

JNIEXPORT void JNICALL Java_org_passerelle_Native_checkServer(JNIEnv* env, jclass, jlong h, jint timeout_ms) {
  bool_call(env, h, [timeout_ms](psl_client* c, psl_error* e) { return psl_client_check_server(c, timeout_ms, e); });
}

JNIEXPORT void JNICALL Java_org_passerelle_Native_startSync(JNIEnv* env, jclass, jlong h) {
  bool_call(env, h, [](psl_client* c, psl_error* e) { return psl_client_start_sync(c, e); });
}

JNIEXPORT void JNICALL Java_org_passerelle_Native_stopSync(JNIEnv* env, jclass, jlong h) {
  bool_call(env, h, [](psl_client* c, psl_error*) {
    psl_client_stop_sync(c);
    return true;
  });
}

JNIEXPORT jbyteArray JNICALL Java_org_passerelle_Native_syncOnce(JNIEnv* env, jclass, jlong h, jint timeout_ms) {
  return string_call(env, h, [timeout_ms](psl_client* c, psl_error* e) { return psl_client_sync_once(c, timeout_ms, e); });
}

JNIEXPORT jbyteArray JNICALL Java_org_passerelle_Native_status(JNIEnv* env, jclass, jlong h) {
  return string_call(env, h, [](psl_client* c, psl_error* e) { return psl_client_status(c, e); });
}

JNIEXPORT jbyteArray JNICALL Java_org_passerelle_Native_rejections(JNIEnv* env, jclass, jlong h) {
  return string_call(env, h, [](psl_client* c, psl_error* e) { return psl_client_rejections(c, e); });
}

JNIEXPORT void JNICALL Java_org_passerelle_Native_dismissRejection(JNIEnv* env, jclass, jlong h, jbyteArray op_id) {
  Utf8 op = from_bytes(env, op_id, "opId");
  if (!op.ok) return;
  bool_call(env, h, [&](psl_client* c, psl_error* e) { return psl_client_dismiss_rejection(c, c_str(op), e); });
}

JNIEXPORT jbyteArray JNICALL Java_org_passerelle_Native_pendingOps(JNIEnv* env, jclass, jlong h) {
  return string_call(env, h, [](psl_client* c, psl_error* e) { return psl_client_pending_ops(c, e); });
}

JNIEXPORT jbyteArray JNICALL Java_org_passerelle_Native_mutate(JNIEnv* env, jclass, jlong h, jbyteArray name,
                                                               jbyteArray args_json) {
  Utf8 n = from_bytes(env, name, "name"), a = from_bytes(env, args_json, "args");
  if (!n.ok || !a.ok) return nullptr;
  return string_call(env, h, [&](psl_client* c, psl_error* e) { return psl_client_mutate(c, c_str(n), c_str(a), e); });
}

JNIEXPORT jbyteArray JNICALL Java_org_passerelle_Native_get(JNIEnv* env, jclass, jlong h, jbyteArray collection,
                                                            jbyteArray id) {
  Utf8 col = from_bytes(env, collection, "collection"), i = from_bytes(env, id, "id");
  if (!col.ok || !i.ok) return nullptr;
  return string_call(env, h, [&](psl_client* c, psl_error* e) { return psl_client_get(c, c_str(col), c_str(i), e); });
}

JNIEXPORT jbyteArray JNICALL Java_org_passerelle_Native_list(JNIEnv* env, jclass, jlong h, jbyteArray collection,
                                                             jbyteArray field, jbyteArray value) {
  Utf8 col = from_bytes(env, collection, "collection"), f = from_bytes(env, field, "field"),
       v = from_bytes(env, value, "value");
  if (!col.ok || !f.ok || !v.ok) return nullptr;
  return string_call(env, h, [&](psl_client* c, psl_error* e) {
    return psl_client_list(c, c_str(col), c_str(f), c_str(v), e);
  });
}

JNIEXPORT jbyteArray JNICALL Java_org_passerelle_Native_threads(JNIEnv* env, jclass, jlong h) {
  return string_call(env, h, [](psl_client* c, psl_error* e) { return psl_client_threads(c, e); });
}

JNIEXPORT jlong JNICALL Java_org_passerelle_Native_unreadTotal(JNIEnv* env, jclass, jlong h) {
  int64_t total = 0;
  bool_call(env, h, [&](psl_client* c, psl_error* e) { return psl_client_unread_total(c, &total, e); });
  return static_cast<jlong>(total);
}

JNIEXPORT jbyteArray JNICALL Java_org_passerelle_Native_threadMessages(JNIEnv* env, jclass, jlong h, jbyteArray thread_id) {
  Utf8 t = from_bytes(env, thread_id, "threadId");
  if (!t.ok) return nullptr;
  return string_call(env, h, [&](psl_client* c, psl_error* e) { return psl_client_thread_messages(c, c_str(t), e); });
}

// files: a byte[][] of UTF-8 paths (null: none).
JNIEXPORT jbyteArray JNICALL Java_org_passerelle_Native_sendMessage(JNIEnv* env, jclass, jlong h, jbyteArray thread_id,
                                                                    jbyteArray body, jobjectArray files) {
  return guarded<jbyteArray>(env, nullptr, [&]() -> jbyteArray {
    Utf8 t = from_bytes(env, thread_id, "threadId"), b = from_bytes(env, body, "body");
    if (!t.ok || !b.ok) return nullptr;
    std::vector<std::string> paths;
    jsize n = files ? env->GetArrayLength(files) : 0;
    for (jsize i = 0; i < n; ++i) {
      auto item = static_cast<jbyteArray>(env->GetObjectArrayElement(files, i));
      if (env->ExceptionCheck()) return nullptr;
      if (!item) {
        throw_usage(env, "a file path is null");
        return nullptr;
      }
      Utf8 path = from_bytes(env, item, "a file path");
      env->DeleteLocalRef(item);
      if (!path.ok) return nullptr;
      paths.push_back(std::move(path.text));
    }
    std::vector<const char*> ptrs;
    for (const auto& p : paths) ptrs.push_back(p.c_str());
    return string_call(env, h, [&](psl_client* c, psl_error* e) {
      return psl_client_send_message(c, c_str(t), c_str(b), ptrs.empty() ? nullptr : ptrs.data(), ptrs.size(), e);
    });
  });
}

JNIEXPORT void JNICALL Java_org_passerelle_Native_markRead(JNIEnv* env, jclass, jlong h, jbyteArray thread_id) {
  Utf8 t = from_bytes(env, thread_id, "threadId");
  if (!t.ok) return;
  bool_call(env, h, [&](psl_client* c, psl_error* e) { return psl_client_mark_read(c, c_str(t), e); });
}

JNIEXPORT jbyteArray JNICALL Java_org_passerelle_Native_downloadFile(JNIEnv* env, jclass, jlong h, jbyteArray sha256,
                                                                     jbyteArray destination) {
  Utf8 s = from_bytes(env, sha256, "sha256"), d = from_bytes(env, destination, "destination");
  if (!s.ok || !d.ok) return nullptr;
  return string_call(env, h, [&](psl_client* c, psl_error* e) {
    return psl_client_download_file(c, c_str(s), c_str(d), e);
  });
}

JNIEXPORT jbyteArray JNICALL Java_org_passerelle_Native_slots(JNIEnv* env, jclass, jlong h, jbyteArray mentorship_id,
                                                              jint days) {
  Utf8 m = from_bytes(env, mentorship_id, "mentorshipId");
  if (!m.ok) return nullptr;
  return string_call(env, h, [&](psl_client* c, psl_error* e) { return psl_client_slots(c, c_str(m), days, e); });
}

JNIEXPORT jlong JNICALL Java_org_passerelle_Native_observeRows(JNIEnv* env, jclass, jlong h, jlong listener_id) {
  return observe(env, h, listener_id, kRows);
}

JNIEXPORT jlong JNICALL Java_org_passerelle_Native_observeSyncState(JNIEnv* env, jclass, jlong h, jlong listener_id) {
  return observe(env, h, listener_id, kSyncState);
}

JNIEXPORT jlong JNICALL Java_org_passerelle_Native_observeRejections(JNIEnv* env, jclass, jlong h, jlong listener_id) {
  return observe(env, h, listener_id, kRejection);
}

JNIEXPORT void JNICALL Java_org_passerelle_Native_unobserve(JNIEnv* env, jclass, jlong h, jlong token) {
  guarded<int>(env, 0, [&] {
    auto* b = reinterpret_cast<Binding*>(h);
    if (!b || !b->client) return 0;
    auto t = static_cast<psl_observer_token>(token);
    psl_client_unobserve(b->client, t);  // after this the context is never used again
    std::lock_guard lock(b->observers_m);
    auto it = b->observers.find(t);
    if (it != b->observers.end()) {
      delete it->second;
      b->observers.erase(it);
    }
    return 0;
  });
}

// --- password and sessions (issue #23) ----------------------------------------------------------

JNIEXPORT void JNICALL Java_org_passerelle_Native_setDeviceName(JNIEnv* env, jclass, jlong h, jbyteArray name) {
  Utf8 n = from_bytes(env, name, "deviceName");
  if (!n.ok) return;
  bool_call(env, h, [&](psl_client* c, psl_error* e) { return psl_client_set_device_name(c, c_str(n), e); });
}

JNIEXPORT jlong JNICALL Java_org_passerelle_Native_changePassword(JNIEnv* env, jclass, jlong h, jbyteArray current,
                                                                  jbyteArray next) {
  Utf8 cur = from_bytes(env, current, "currentPassword"), nxt = from_bytes(env, next, "newPassword");
  if (!cur.ok || !nxt.ok) return 0;
  int64_t ended = 0;
  bool_call(env, h, [&](psl_client* c, psl_error* e) {
    return psl_client_change_password(c, c_str(cur), c_str(nxt), &ended, e);
  });
  return static_cast<jlong>(ended);
}

JNIEXPORT void JNICALL Java_org_passerelle_Native_requestPasswordReset(JNIEnv* env, jclass, jlong h, jbyteArray email) {
  Utf8 m = from_bytes(env, email, "email");
  if (!m.ok) return;
  bool_call(env, h, [&](psl_client* c, psl_error* e) { return psl_client_request_password_reset(c, c_str(m), e); });
}

JNIEXPORT void JNICALL Java_org_passerelle_Native_resetPasswordWithCode(JNIEnv* env, jclass, jlong h, jbyteArray code,
                                                                        jbyteArray next) {
  Utf8 k = from_bytes(env, code, "code"), nxt = from_bytes(env, next, "newPassword");
  if (!k.ok || !nxt.ok) return;
  bool_call(env, h, [&](psl_client* c, psl_error* e) {
    return psl_client_reset_password_with_code(c, c_str(k), c_str(nxt), e);
  });
}

JNIEXPORT void JNICALL Java_org_passerelle_Native_resetPasswordWithToken(JNIEnv* env, jclass, jlong h, jbyteArray token,
                                                                         jbyteArray next) {
  Utf8 t = from_bytes(env, token, "token"), nxt = from_bytes(env, next, "newPassword");
  if (!t.ok || !nxt.ok) return;
  bool_call(env, h, [&](psl_client* c, psl_error* e) {
    return psl_client_reset_password_with_token(c, c_str(t), c_str(nxt), e);
  });
}

JNIEXPORT jbyteArray JNICALL Java_org_passerelle_Native_sessions(JNIEnv* env, jclass, jlong h) {
  return string_call(env, h, [](psl_client* c, psl_error* e) { return psl_client_sessions(c, e); });
}

JNIEXPORT void JNICALL Java_org_passerelle_Native_endSession(JNIEnv* env, jclass, jlong h, jbyteArray session_id) {
  Utf8 id = from_bytes(env, session_id, "sessionId");
  if (!id.ok) return;
  bool_call(env, h, [&](psl_client* c, psl_error* e) { return psl_client_end_session(c, c_str(id), e); });
}

JNIEXPORT jlong JNICALL Java_org_passerelle_Native_endAllSessions(JNIEnv* env, jclass, jlong h, jbyteArray user_id) {
  Utf8 id = from_bytes(env, user_id, "userId");
  if (!id.ok) return 0;
  int64_t ended = 0;
  bool_call(env, h, [&](psl_client* c, psl_error* e) { return psl_client_end_all_sessions(c, c_str(id), &ended, e); });
  return static_cast<jlong>(ended);
}

// --- the app's reports on a host transport's socket (TransportSocket keeps them after closed out) --

JNIEXPORT void JNICALL Java_org_passerelle_Native_socketOpened(JNIEnv*, jclass, jlong socket) {
  psl_socket_opened(reinterpret_cast<psl_socket*>(socket));
}

JNIEXPORT void JNICALL Java_org_passerelle_Native_socketReceived(JNIEnv* env, jclass, jlong socket, jbyteArray frame) {
  guarded<int>(env, 0, [&] {
    if (!frame) return 0;
    jsize n = env->GetArrayLength(frame);
    std::string text(static_cast<std::size_t>(n), '\0');
    if (n > 0) env->GetByteArrayRegion(frame, 0, n, reinterpret_cast<jbyte*>(text.data()));
    psl_socket_received(reinterpret_cast<psl_socket*>(socket), text.data(), text.size());
    return 0;
  });
}

JNIEXPORT void JNICALL Java_org_passerelle_Native_socketClosed(JNIEnv* env, jclass, jlong socket, jbyteArray reason) {
  auto* s = reinterpret_cast<psl_socket*>(socket);
  bool reported = guarded<bool>(env, false, [&] {
    Utf8 why = from_bytes(env, reason, "reason");
    if (env->ExceptionCheck()) env->ExceptionClear();  // a NUL in a reason is not worth failing the report
    psl_socket_closed(s, why.ok ? c_str(why) : nullptr);
    return true;
  });
  // Exactly once per socket, whatever happened above: the library frees it after both sides let go.
  if (!reported) psl_socket_closed(s, nullptr);
}

JNIEXPORT jbyteArray JNICALL Java_org_passerelle_Native_invite(JNIEnv* env, jclass, jlong h, jbyteArray email,
                                                               jbyteArray role, jbyteArray name, jbyteArray locale) {
  Utf8 m = from_bytes(env, email, "email"), r = from_bytes(env, role, "role"), n = from_bytes(env, name, "name"),
       l = from_bytes(env, locale, "locale");
  if (!m.ok || !r.ok || !n.ok || !l.ok) return nullptr;
  return string_call(env, h, [&](psl_client* c, psl_error* e) {
    return psl_client_invite(c, c_str(m), c_str(r), c_str(n), c_str(l), e);
  });
}

JNIEXPORT void JNICALL Java_org_passerelle_Native_debugThrowForTest(JNIEnv* env, jclass, jlong h, jint kind) {
  bool_call(env, h, [kind](psl_client* c, psl_error* e) { return psl_debug_throw_for_test(c, kind, e); });
}

}  // extern "C"
