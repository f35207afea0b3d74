// Transport: a WebSocket the app gives the sync instead of the library's own (passerelle.h,
// "host transport"): URLSessionWebSocketTask, say, so the sync goes through the system's proxies,
// VPN and trust store. Set Client.Options.transport. The library still speaks the protocol
// (hello, resume, push, pull, pokes, timeouts, backoff); the app only carries text frames.
// Sign-in, the other network calls and file transfers keep the library's own connection.
//
// Threads: open, send and close are called on the sync's thread (the background sync, or the
// task awaiting sync()); they must return at once (start the work, report later) and must not
// call the Client's network methods. The TransportSocket reports may come from any thread.
import CPasserelle
import Foundation

public protocol Transport: AnyObject, Sendable {
    /// Starts opening a WebSocket to `url` ("wss://host/v1/ws", path included) and returns at
    /// once. Report the outcome on `socket`: opened() then frames, or closed(reason:).
    func open(url: String, socket: TransportSocket) -> TransportConnection
}

public protocol TransportConnection: AnyObject {
    /// Sends one text frame (JSON). Only after opened(); a failure is reported as closed(reason:).
    func send(_ frame: String)
    /// The library is done with this connection: close it. Called exactly once per open, also
    /// after the app reported closed; still report closed if it was not yet (a second is ignored).
    func close()
}

/// The library's side of one connection: the app reports here what its WebSocket did. After
/// closed(reason:) the socket is spent and later reports are ignored.
public final class TransportSocket: @unchecked Sendable {
    private let lock = NSLock()
    // nil once closed was reported: the library may free it then. The lock keeps a report that
    // races closed from touching freed memory.
    private var socket: OpaquePointer?

    init(_ socket: OpaquePointer) { self.socket = socket }

    public func opened() {
        lock.lock(); defer { lock.unlock() }
        if let s = socket { psl_socket_opened(s) }
    }

    /// One whole text frame from the server (fragments joined).
    public func received(_ frame: String) {
        lock.lock(); defer { lock.unlock() }
        guard let s = socket else { return }
        // A JSON frame holds no NUL, so the C string is the whole frame.
        frame.withCString { psl_socket_received(s, $0, frame.utf8.count) }
    }

    /// The connection failed to open or ended. `reason` ("connection refused") shows in the
    /// sync status's last error.
    public func closed(reason: String?) {
        lock.lock(); defer { lock.unlock() }
        guard let s = socket else { return }
        socket = nil
        if let reason { psl_socket_closed(s, reason) } else { psl_socket_closed(s, nil) }
    }
}

// What the C callbacks reach through their context and handle pointers.
final class TransportBox {
    let transport: Transport
    init(_ transport: Transport) { self.transport = transport }

    /// The psl_transport over this box; the box must outlive psl_client_close (the Client keeps it).
    func cTransport() -> psl_transport {
        psl_transport(
            struct_size: UInt32(MemoryLayout<psl_transport>.size),
            context: Unmanaged.passUnretained(self).toOpaque(),
            open: { context, socket, url in
                let box = Unmanaged<TransportBox>.fromOpaque(context!).takeUnretainedValue()
                let connection = box.transport.open(url: String(cString: url!), socket: TransportSocket(socket!))
                return Unmanaged.passRetained(ConnectionBox(connection)).toOpaque()
            },
            send: { _, handle, frame, length in
                guard let handle, let frame else { return }
                let text = String(decoding: UnsafeRawBufferPointer(start: frame, count: length), as: UTF8.self)
                Unmanaged<ConnectionBox>.fromOpaque(handle).takeUnretainedValue().connection.send(text)
            },
            close: { _, handle in
                guard let handle else { return }
                // The library's one close per open: the box goes with it.
                Unmanaged<ConnectionBox>.fromOpaque(handle).takeRetainedValue().connection.close()
            })
    }
}

final class ConnectionBox {
    let connection: TransportConnection
    init(_ connection: TransportConnection) { self.connection = connection }
}
