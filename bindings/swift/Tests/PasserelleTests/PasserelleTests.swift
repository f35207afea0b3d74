// Runs without a server: the package links, the C API answers, errors arrive typed. With
// PASSERELLE_TEST_SERVER_URL set (a server started with --demo), it also signs in and syncs.
import Foundation
import XCTest
@testable import Passerelle

final class PasserelleTests: XCTestCase {
    private func freshClient(serverURL: String? = nil) throws -> Client {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("passerelle-swift-\(UUID().uuidString)")
        return try Client(options: .init(dataDirectory: dir, serverURL: serverURL))
    }

    func testVersionAndIDs() {
        XCTAssertFalse(Client.version.isEmpty)
        let a = Client.newID(), b = Client.newID()
        XCTAssertEqual(a.count, 36)
        XCTAssertLessThan(a, b)
    }

    func testTypedErrorsWithoutAnAccount() throws {
        let client = try freshClient()
        XCTAssertNil(try client.currentUser())
        XCTAssertThrowsError(try client.mutate("profile.update", ["bio": .string("x")])) { error in
            let e = error as? PasserelleError
            XCTAssertEqual(e?.code, .unauthenticated)
            XCTAssertEqual(e?.origin, .usage)
        }
    }

    func testPasswordAndSessionsWithoutAnAccount() async throws {
        let client = try freshClient()
        do {
            try await client.changePassword(current: "whatever it was", new: "short")
            XCTFail("a short new password must throw")
        } catch let e as PasserelleError {
            XCTAssertEqual(e.code, .badRequest)
            XCTAssertEqual(e.origin, .usage)
        }
        do {
            _ = try await client.sessions()
            XCTFail("sessions without an account must throw")
        } catch let e as PasserelleError {
            XCTAssertEqual(e.code, .unauthenticated)
            XCTAssertEqual(e.origin, .usage)
        }
    }

    func testBadServerURL() {
        XCTAssertThrowsError(try freshClient(serverURL: "ftp://example.org")) { error in
            XCTAssertEqual((error as? PasserelleError)?.origin, .usage)
        }
    }

    func testLoginSyncAndObserve() async throws {
        guard let url = ProcessInfo.processInfo.environment["PASSERELLE_TEST_SERVER_URL"] else {
            throw XCTSkip("PASSERELLE_TEST_SERVER_URL is not set")
        }
        let client = try freshClient(serverURL: url)
        try client.setDeviceName("Amina's iPhone")
        let me = try await client.login(email: "amina.benali@demo.passerelle.quebec", password: "demo-candidate-2026")
        XCTAssertEqual(me.role, "candidate")
        let sessions = try await client.sessions()
        XCTAssertEqual(sessions.first(where: { $0.current })?.device, "Amina's iPhone")
        let summary = try await client.sync()
        XCTAssertGreaterThan(summary.pulledRows, 0)
        struct Thread: Decodable { let id: String; let kind: String }
        let threads = try client.list(Thread.self, collection: "threads")
        XCTAssertEqual(threads.first?.kind, "coaching")
        let rows = client.rowChanges()
        let id = Client.newID()
        try client.mutate("message.send", ["id": .string(id), "thread_id": .string(threads[0].id), "body": .string("Bonjour")])
        var iterator = rows.makeAsyncIterator()
        let changed = await iterator.next()
        XCTAssertTrue(changed?.contains(RowKey(collection: "messages", id: id)) ?? false)
        _ = try await client.logout(wipeLocalData: true)
    }
    /// The sync over the app's own WebSocket (URLSessionWebSocketTask), against a demo server.
    func testSyncOverTheAppsTransport() async throws {
        guard let url = ProcessInfo.processInfo.environment["PASSERELLE_TEST_SERVER_URL"] else {
            throw XCTSkip("PASSERELLE_TEST_SERVER_URL is not set")
        }
        let transport = URLSessionTransport()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("passerelle-swift-\(UUID().uuidString)")
        let client = try Client(options: .init(dataDirectory: dir, serverURL: url, transport: transport))
        _ = try await client.login(email: "amina.benali@demo.passerelle.quebec", password: "demo-candidate-2026")
        try client.mutate("profile.update", ["bio": .string("sent over URLSession")])
        let summary = try await client.sync()
        XCTAssertGreaterThan(summary.pushed, 0)
        XCTAssertEqual(try client.status().pendingOps, 0)
        XCTAssertEqual(transport.opens, 1)
    }
}

/// A Transport over URLSessionWebSocketTask, as an iOS app would write one.
final class URLSessionTransport: Transport, @unchecked Sendable {
    private let lock = NSLock()
    private var openCount = 0
    var opens: Int { lock.lock(); defer { lock.unlock() }; return openCount }

    func open(url: String, socket: TransportSocket) -> TransportConnection {
        lock.lock(); openCount += 1; lock.unlock()
        let task = URLSession.shared.webSocketTask(with: URL(string: url)!)
        let connection = Connection(task: task, socket: socket)
        task.resume()
        // Without a delegate URLSession tells no "opened"; a task queues sends until its handshake
        // is done, so it is reported open at once, and a failed handshake fails the receive.
        socket.opened()
        connection.receive()
        return connection
    }

    final class Connection: TransportConnection {
        let task: URLSessionWebSocketTask
        let socket: TransportSocket
        init(task: URLSessionWebSocketTask, socket: TransportSocket) { self.task = task; self.socket = socket }

        func receive() {
            task.receive { [weak self] result in
                guard let self else { return }
                switch result {
                case .success(.string(let text)): self.socket.received(text); self.receive()
                case .success: self.socket.received(""); self.receive()
                case .failure(let error): self.socket.closed(reason: error.localizedDescription)
                }
            }
        }
        func send(_ frame: String) {
            task.send(.string(frame)) { [socket] error in
                if let error { socket.closed(reason: error.localizedDescription) }
            }
        }
        func close() {
            task.cancel(with: .normalClosure, reason: nil)
            socket.closed(reason: "closed by the app")
        }
    }
}
