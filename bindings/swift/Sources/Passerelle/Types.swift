// The values the client core hands out, decoded from the C API's JSON (passerelle.h documents
// each shape). Keys are mapped explicitly: a key strategy would also rewrite the keys inside
// rows and mutator args.
import Foundation

/// A failure of the client core: the protocol's code and where it came from.
public struct PasserelleError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Code: Int32, Sendable {
        case badRequest = 1, unauthenticated, forbidden, notFound, conflict, rateLimited, tooLarge, unsupported, internalError
    }
    public enum Origin: Int32, Sendable {
        /// The server answered with this error: show it.
        case server = 1
        /// The server could not be reached: retry later.
        case network
        /// The device's own files failed, or an internal error.
        case local
        /// The app's input was refused before anything was sent.
        case usage
    }
    public let code: Code
    public let origin: Origin
    public let message: String

    public init(code: Code, origin: Origin, message: String) {
        self.code = code
        self.origin = origin
        self.message = message
    }

    public var description: String { "\(code) (\(origin)): \(message)" }
}

/// A person as the server shows them to themself.
public struct User: Codable, Sendable, Equatable {
    public let id: String
    /// "candidate", "mentor", "coach", "admin" or "employer".
    public let role: String
    public let email: String
    public let name: String
    /// "fr" or "en".
    public let locale: String
}

/// The account signed in on this device.
public struct Account: Codable, Sendable {
    public let user: User
    public let serverURL: String
    enum CodingKeys: String, CodingKey {
        case user
        case serverURL = "server_url"
    }
}

/// An error reported as data (a status's last error, a logout's server problem).
public struct ErrorInfo: Codable, Sendable, Equatable {
    public let code: String
    public let origin: String?
    public let message: String
}

public enum SyncState: String, Codable, Sendable {
    case offline, connecting, syncing
    case upToDate = "up_to_date"
    /// The server refused the session: log in again.
    case error
}

public struct SyncStatus: Codable, Sendable {
    public struct Progress: Codable, Sendable {
        public let pushed: Int64
        public let pulledRows: Int64
        public let cursor: Int64
        public let pulling: Bool
        public let more: Bool
        enum CodingKeys: String, CodingKey {
            case pushed, cursor, pulling, more
            case pulledRows = "pulled_rows"
        }
    }
    public let online: Bool
    public let state: SyncState
    public let pendingOps: Int64
    public let lastSyncedAt: String?
    public let cursor: Int64
    public let rejections: Int64
    public let lastError: ErrorInfo?
    public let progress: Progress?
    enum CodingKeys: String, CodingKey {
        case online, state, cursor, rejections, progress
        case pendingOps = "pending_ops"
        case lastSyncedAt = "last_synced_at"
        case lastError = "last_error"
    }
}

/// Any JSON value (mutator args of a rejection, rows read without a type).
public enum JSONValue: Codable, Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let n = try? c.decode(Double.self) { self = .number(n) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([JSONValue].self) { self = .array(a) }
        else { self = .object(try c.decode([String: JSONValue].self)) }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let b): try c.encode(b)
        case .number(let n): try c.encode(n)
        case .string(let s): try c.encode(s)
        case .array(let a): try c.encode(a)
        case .object(let o): try c.encode(o)
        }
    }
}

/// An op the server refused.
public struct Rejection: Codable, Sendable {
    public struct Reason: Codable, Sendable {
        public let code: String
        public let message: String
    }
    public let opID: String
    public let name: String
    public let args: JSONValue
    public let error: Reason
    public let rejectedAt: String
    enum CodingKeys: String, CodingKey {
        case name, args, error
        case opID = "op_id"
        case rejectedAt = "rejected_at"
    }
}

/// What one `sync()` round did.
public struct SyncSummary: Codable, Sendable {
    public let pushed: Int64
    public let applied: Int64
    public let rejected: Int64
    public let pulledRows: Int64
    public let cursor: Int64
    public let newRejections: [Rejection]
    enum CodingKeys: String, CodingKey {
        case pushed, applied, rejected, cursor
        case pulledRows = "pulled_rows"
        case newRejections = "new_rejections"
    }
}

public struct LogoutResult: Codable, Sendable {
    public let wasSignedIn: Bool
    public let revokedOnServer: Bool
    public let wipedLocalData: Bool
    public let serverProblem: ErrorInfo?
    enum CodingKeys: String, CodingKey {
        case wasSignedIn = "was_signed_in"
        case revokedOnServer = "revoked_on_server"
        case wipedLocalData = "wiped_local_data"
        case serverProblem = "server_problem"
    }
}

/// One of the signed-in person's sessions (`Client.sessions()`).
public struct SessionInfo: Codable, Sendable, Hashable {
    public let id: String
    public let device: String
    public let address: String
    public let firstSeenAt: String
    public let lastSeenAt: String
    public let expiresAt: String
    public let current: Bool
    enum CodingKeys: String, CodingKey {
        case id, device, address, current
        case firstSeenAt = "first_seen_at"
        case lastSeenAt = "last_seen_at"
        case expiresAt = "expires_at"
    }
}

/// A row of the local view that changed.
public struct RowKey: Codable, Sendable, Hashable {
    public let collection: String
    public let id: String
}
