import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import Prometheus
import ServiceLifecycle

/// Serves `/metrics` (Prometheus text format), `/livez` and `/readyz` on a small NIO HTTP/1 server.
/// A whole web framework would be the heavier choice for three read-only routes. The probes read
/// `WorkerHealth`'s cached flags, so an event loop never waits on the database.
struct MetricsServer: Service {
    let host: String
    let port: Int
    let registry: PrometheusCollectorRegistry
    let health: WorkerHealth
    let logger: Logger

    func run() async throws {
        let registry = self.registry
        let health = self.health
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 64)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline().flatMap {
                    channel.pipeline.addHandler(MetricsHandler(registry: registry, health: health))
                }
            }
            .bind(host: host, port: port).get()
        logger.info("metrics on http://\(host):\(channel.localAddress?.port ?? port)/metrics")
        try await withGracefulShutdownHandler {
            try await channel.closeFuture.get()
        } onGracefulShutdown: {
            channel.close(promise: nil)
        }
    }
}

private final class MetricsHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let registry: PrometheusCollectorRegistry
    let health: WorkerHealth

    init(registry: PrometheusCollectorRegistry, health: WorkerHealth) {
        self.registry = registry
        self.health = health
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .head(let request) = unwrapInboundIn(data) else { return }
        let (status, body): (HTTPResponseStatus, [UInt8])
        switch request.uri {
        case "/metrics":
            var buffer = [UInt8]()
            registry.emit(into: &buffer)
            (status, body) = (.ok, buffer)
        case "/livez":
            (status, body) = health.isLive
                ? (.ok, Array("ok\n".utf8)) : (.serviceUnavailable, Array("ingest loop stuck for over \(health.stallLimit)\n".utf8))
        case "/readyz":
            (status, body) = health.isReady
                ? (.ok, Array("ready\n".utf8)) : (.serviceUnavailable, Array("not ready: no partitions assigned or database unreachable\n".utf8))
        default:
            (status, body) = (.notFound, Array("not found\n".utf8))
        }
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: request.uri == "/metrics" ? "text/plain; version=0.0.4" : "text/plain")
        headers.add(name: "content-length", value: String(body.count))
        headers.add(name: "connection", value: "close")
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: request.version, status: status, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: body)))), promise: nil)
        // The channel, not the context, is Sendable: it closes once the response has been written.
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
    }
}
