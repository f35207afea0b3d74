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
}
