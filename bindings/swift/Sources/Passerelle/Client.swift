// Client: the Passerelle client core in Swift, over the C API (passerelle.h).
//
//   let client = try Client(options: .init(dataDirectory: dir, serverURL: "wss://passerelle.example.org"))
//   let me = try await client.login(email: email, password: password)
//   try client.startSync()
//   Task { for await rows in client.rowChanges() { refresh(rows) } }
//   let op = try client.mutate("step.set_status", ["id": .string(stepID), "status": .string("done")])
//
// Threads: the network calls (login, resume, acceptInvite, logout, sync, checkServer) are async
// and run the blocking C call on a global dispatch queue; the local calls (mutate, get, list,
// status, rejections) are synchronous and return in milliseconds. Observers are AsyncStreams: the
// core's thread only yields into the stream; the consuming task runs wherever it runs (use
// @MainActor for UI). Ending the consuming task unregisters the observer.
import CPasserelle
import Foundation

public final class Client: @unchecked Sendable {
    public struct Options: Sendable {
        /// The app's private directory for this library's files (Application Support).
        public var dataDirectory: URL
        /// ws://, wss://, http:// or https://; nil: the one of the last sign-in on this device.
        public var serverURL: String?
        /// An extra CA certificate (PEM file) trusted for wss://.
        public var caFile: String?
        public var connectTimeoutMs: Int32 = 0
        public var requestTimeoutMs: Int32 = 0
        public var syncBackoffMinMs: Int32 = 0
        public var syncBackoffMaxMs: Int32 = 0
        /// The WebSocket the sync speaks through, given by the app (see Transport); nil: the
        /// library's own.
        public var transport: Transport?

        public init(dataDirectory: URL, serverURL: String? = nil, caFile: String? = nil, transport: Transport? = nil) {
            self.dataDirectory = dataDirectory
            self.serverURL = serverURL
            self.caFile = caFile
            self.transport = transport
        }
    }

    private let handle: OpaquePointer
    // The app's transport as the C callbacks reach it: kept until psl_client_close has returned.
    private let transportBox: TransportBox?

    /// Opens (creating it if missing) the data directory. No network access.
    public init(options: Options) throws {
        var opts = psl_client_options()
        psl_client_options_init(&opts)
        opts.connect_timeout_ms = options.connectTimeoutMs
        opts.request_timeout_ms = options.requestTimeoutMs
        opts.sync_backoff_min_ms = options.syncBackoffMinMs
        opts.sync_backoff_max_ms = options.syncBackoffMaxMs
        let box = options.transport.map(TransportBox.init)
        var transport = box?.cTransport() ?? psl_transport()
        var err = psl_error(code: 0, origin: 0, message: nil)
        let opened: OpaquePointer? = options.dataDirectory.path.withCString { dir in
            withOptionalCString(options.serverURL) { url in
                withOptionalCString(options.caFile) { ca in
                    opts.data_dir = dir
                    opts.server_url = url
                    opts.ca_file = ca
                    // psl_client_open copies the psl_transport itself.
                    return withUnsafePointer(to: &transport) { t in
                        opts.transport = box == nil ? nil : t
                        return psl_client_open(&opts, &err)
                    }
                }
            }
        }
        guard let h = opened else { throw Client.take(&err) }
        handle = h
        transportBox = box
    }

    /// Stops the background sync and frees the native client. Local data stays on disk.
    deinit { psl_client_close(handle) }

    public static var version: String { String(cString: psl_version()) }

    /// A new UUIDv7: the id every new row needs.
    public static func newID() -> String {
        guard let p = psl_new_id() else { return UUID().uuidString.lowercased() }
        defer { psl_string_free(p) }
        return String(cString: p)
    }

    // MARK: accounts (async: network)

    public func login(email: String, password: String) async throws -> User {
        try await offMain { try self.decode(User.self, self.call { psl_client_login(self.handle, email, password, $0) }) }
    }

    public func resume() async throws -> User {
        try await offMain { try self.decode(User.self, self.call { psl_client_resume(self.handle, $0) }) }
    }

    public func acceptInvite(token: String, name: String, password: String) async throws -> User {
        try await offMain {
            try self.decode(User.self, self.call { psl_client_accept_invite(self.handle, token, name, password, $0) })
        }
    }

    /// Signs out; with `wipeLocalData` also deletes this device's account files.
    public func logout(wipeLocalData: Bool) async throws -> LogoutResult {
        let flags: UInt32 = wipeLocalData ? UInt32(PSL_LOGOUT_WIPE_LOCAL_DATA) : 0
        return try await offMain {
            try self.decode(LogoutResult.self, self.call { psl_client_logout(self.handle, flags, $0) })
        }
    }

    /// The account signed in on this device (offline), or nil.
    public func currentUser() throws -> Account? {
        guard let json = try call({ psl_client_current_user(handle, $0) }) else { return nil }
        return try decode(Account.self, json)
    }

    public func checkServer(timeoutMs: Int32 = 5000) async throws {
        try await offMain { try self.check { psl_client_check_server(self.handle, timeoutMs, $0) } }
    }

    // MARK: password and sessions (async: network; issue #23)

    /// The name this device gives at its next sign-in ("Amina's phone"), shown by `sessions()`.
    public func setDeviceName(_ name: String) throws {
        try check { psl_client_set_device_name(handle, name, $0) }
    }

    /// Changes the signed-in person's password; every other session of theirs ends, this one
    /// stays. Returns how many ended. A wrong current password throws code `.forbidden`.
    @discardableResult
    public func changePassword(current: String, new newPassword: String) async throws -> Int64 {
        try await offMain {
            var ended: Int64 = 0
            try self.check { psl_client_change_password(self.handle, current, newPassword, &ended, $0) }
            return ended
        }
    }

    /// Asks for a reset e-mail; succeeds the same whether an account uses `email` or not.
    public func requestPasswordReset(email: String) async throws {
        try await offMain { try self.check { psl_client_request_password_reset(self.handle, email, $0) } }
    }

    /// Sets a new password with the reset e-mail's code; every session ends (sign in again).
    public func resetPassword(code: String, newPassword: String) async throws {
        try await offMain { try self.check { psl_client_reset_password_with_code(self.handle, code, newPassword, $0) } }
    }

    /// The same with the token of the e-mail's link (the app opened at /app/#reset=TOKEN).
    public func resetPassword(token: String, newPassword: String) async throws {
        try await offMain { try self.check { psl_client_reset_password_with_token(self.handle, token, newPassword, $0) } }
    }

    /// The signed-in person's live sessions, most recently seen first.
    public func sessions() async throws -> [SessionInfo] {
        try await offMain { try self.decode([SessionInfo].self, self.call { psl_client_sessions(self.handle, $0) }) }
    }

    /// Ends one of them. Stops the background sync first, like `login`: ending this device's own
    /// session signs it out.
    public func endSession(id: String) async throws {
        try await offMain { try self.check { psl_client_end_session(self.handle, id, $0) } }
    }

    /// Admin: ends every session of another account; returns how many.
    @discardableResult
    public func endAllSessions(userID: String) async throws -> Int64 {
        try await offMain {
            var ended: Int64 = 0
            try self.check { psl_client_end_all_sessions(self.handle, userID, &ended, $0) }
            return ended
        }
    }

    // MARK: sync

    public func startSync() throws { try check { psl_client_start_sync(handle, $0) } }

    public func stopSync() async {
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            DispatchQueue.global(qos: .utility).async {
                psl_client_stop_sync(self.handle)
                done.resume()
            }
        }
    }

    /// One round: push everything, pull to the end.
    public func sync(timeoutMs: Int32 = 30000) async throws -> SyncSummary {
        try await offMain { try self.decode(SyncSummary.self, self.call { psl_client_sync_once(self.handle, timeoutMs, $0) }) }
    }

    public func status() throws -> SyncStatus {
        try decode(SyncStatus.self, call { psl_client_status(handle, $0) })
    }

    public func rejections() throws -> [Rejection] {
        try decode([Rejection].self, call { psl_client_rejections(handle, $0) })
    }

    public func dismissRejection(opID: String) throws {
        try check { psl_client_dismiss_rejection(handle, opID, $0) }
    }

    // MARK: data

    /// Runs a mutator on the local view and queues it; returns the op id. Works offline.
    @discardableResult
    public func mutate(_ name: String, _ args: [String: JSONValue]) throws -> String {
        let data = try JSONEncoder().encode(args)
        return try mutate(name, json: String(decoding: data, as: UTF8.self))
    }

    @discardableResult
    public func mutate(_ name: String, json: String) throws -> String {
        guard let op = try call({ psl_client_mutate(handle, name, json, $0) }) else {
            throw PasserelleError(code: .internalError, origin: .local, message: "no op id")
        }
        return op
    }

    /// One row decoded as `T` (your Codable model), or nil.
    public func get<T: Decodable>(_ type: T.Type, collection: String, id: String) throws -> T? {
        guard let json = try call({ psl_client_get(handle, collection, id, $0) }) else { return nil }
        return try decode(type, json)
    }

    /// The rows of a collection, optionally only those whose `field` equals `value`.
    public func list<T: Decodable>(_ type: T.Type, collection: String, field: String? = nil, value: String? = nil) throws -> [T] {
        let json = try withOptionalCString(field) { f in
            try withOptionalCString(value) { v in try call { psl_client_list(handle, collection, f, v, $0) } }
        }
        return try decode([T].self, json)
    }

    // MARK: observers (AsyncStream)

    /// Rows of the local view that changed. Ending the consuming task unregisters the observer.
    public func rowChanges() -> AsyncStream<[RowKey]> {
        stream(bufferingNewest: 256) { handle, callback, context, err in
            psl_client_observe_rows(handle, callback, context, err)
        }
    }

    /// The sync state after each change.
    public func syncStates() -> AsyncStream<SyncStatus> {
        stream(bufferingNewest: 1) { handle, callback, context, err in
            psl_client_observe_sync_state(handle, callback, context, err)
        }
    }

    /// Ops the server refused.
    public func rejectionEvents() -> AsyncStream<Rejection> {
        stream(bufferingNewest: 256) { handle, callback, context, err in
            psl_client_observe_rejections(handle, callback, context, err)
        }
    }

    // MARK: internals

    private typealias Callback = @convention(c) (UnsafeMutableRawPointer?, UnsafePointer<CChar>?) -> Void

    /// Holds what a C callback needs; retained by the registration, released after unobserve.
    private final class Box {
        let deliver: (String) -> Void
        init(_ deliver: @escaping (String) -> Void) { self.deliver = deliver }
    }

    private func stream<T: Decodable>(
        bufferingNewest limit: Int,
        register: (OpaquePointer, Callback, UnsafeMutableRawPointer, UnsafeMutablePointer<psl_error>) -> psl_observer_token
    ) -> AsyncStream<T> {
        AsyncStream(bufferingPolicy: .bufferingNewest(limit)) { continuation in
            let box = Box { json in
                if let value = try? JSONDecoder().decode(T.self, from: Data(json.utf8)) { continuation.yield(value) }
            }
            let context = Unmanaged.passRetained(box).toOpaque()
            let callback: Callback = { context, json in
                guard let context = context, let json = json else { return }
                Unmanaged<Box>.fromOpaque(context).takeUnretainedValue().deliver(String(cString: json))
            }
            var err = psl_error(code: 0, origin: 0, message: nil)
            let token = register(handle, callback, context, &err)
            guard token != 0 else {
                psl_error_clear(&err)
                Unmanaged<Box>.fromOpaque(context).release()
                continuation.finish()
                return
            }
            // Keeps the client alive while the stream is consumed; after unobserve the callback
            // is never called again, so the box can go.
            continuation.onTermination = { _ in
                psl_client_unobserve(self.handle, token)
                Unmanaged<Box>.fromOpaque(context).release()
            }
        }
    }

    private func offMain<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global(qos: .userInitiated).async {
                do { continuation.resume(returning: try body()) } catch { continuation.resume(throwing: error) }
            }
        }
    }

    /// Runs a C call returning an owned string: the string, nil (no error), or throws.
    private func call(_ f: (UnsafeMutablePointer<psl_error>) -> UnsafeMutablePointer<CChar>?) throws -> String? {
        var err = psl_error(code: 0, origin: 0, message: nil)
        let out = withUnsafeMutablePointer(to: &err) { f($0) }
        guard let p = out else {
            if err.code != 0 { throw Client.take(&err) }
            return nil
        }
        defer { psl_string_free(p) }
        return String(cString: p)
    }

    private func check(_ f: (UnsafeMutablePointer<psl_error>) -> Bool) throws {
        var err = psl_error(code: 0, origin: 0, message: nil)
        let ok = withUnsafeMutablePointer(to: &err) { f($0) }
        if !ok { throw Client.take(&err) }
    }

    private func decode<T: Decodable>(_ type: T.Type, _ json: String?) throws -> T {
        guard let json = json else {
            throw PasserelleError(code: .internalError, origin: .local, message: "the library returned nothing")
        }
        return try JSONDecoder().decode(type, from: Data(json.utf8))
    }

    private static func take(_ err: inout psl_error) -> PasserelleError {
        let e = PasserelleError(
            code: PasserelleError.Code(rawValue: err.code) ?? .internalError,
            origin: PasserelleError.Origin(rawValue: err.origin) ?? .local,
            message: err.message.map { String(cString: $0) } ?? "")
        psl_error_clear(&err)
        return e
    }
}

private func withOptionalCString<R>(_ s: String?, _ body: (UnsafePointer<CChar>?) throws -> R) rethrows -> R {
    if let s = s { return try s.withCString { try body($0) } }
    return try body(nil)
}
