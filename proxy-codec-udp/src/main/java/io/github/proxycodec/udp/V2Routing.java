package io.github.proxycodec.udp;

import io.github.proxycodec.ProxyHeader;
import io.github.proxycodec.ProxyHeaderParser;
import io.netty.buffer.ByteBuf;

import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * What a {@link ProxyV2DatagramCodec} remembers between datagrams, one strategy per
 * {@link ProxyV2DatagramCodec.Mode}: the reply routes (real client to the proxy address its
 * datagrams came from) in both, and in FIRST_DATAGRAM mode the flows that headerless datagrams
 * continue. The codec does the framing (parsing, checks, passing on); this does the routing.
 */
abstract sealed class V2Routing permits V2Routing.PerDatagram, V2Routing.FirstDatagram {

    /** A real client (the key) and the proxy address its datagrams came from. */
    static final class Route extends FlowTable.Node<Route> {
        final InetSocketAddress edge;

        Route(InetSocketAddress client, InetSocketAddress edge) {
            super(client);
            this.edge = edge;
        }
    }

    /** Real client to the proxy address its datagrams came from. */
    final FlowTable<Route> routes;

    private V2Routing(FlowTable<Route> routes) {
        this.routes = routes;
    }

    /** Returns the strategy for {@code mode}; {@code removed} hears of every flow evicted or expired. */
    static V2Routing of(ProxyV2DatagramCodec.Mode mode, UdpProxyConfig config, LongSupplier clock,
                        FlowRemovalListener removed) {
        return mode == ProxyV2DatagramCodec.Mode.PER_DATAGRAM
                ? new PerDatagram(config, clock, removed) : new FirstDatagram(config, clock, removed);
    }

    /** Whether {@code content} is to be parsed as a header; if not, it continues a flow. */
    abstract boolean startsWithHeader(ByteBuf content);

    /**
     * Takes note of a valid header from {@code edge}, on a datagram that carries nothing else
     * if {@code headerOnly}; returns whether it opened a flow (or gave it to another client).
     */
    abstract boolean opened(ProxyHeader header, InetSocketAddress edge, boolean headerOnly);

    /** Whether a datagram that is only a header is passed on (with an empty payload). */
    abstract boolean passesHeaderOnly();

    /** Returns the header of the flow a headerless datagram from {@code edge} continues, or null. */
    abstract ProxyHeader continued(InetSocketAddress edge);

    /** An unusable header from {@code edge}: later headerless datagrams cannot be attributed. */
    abstract void forget(InetSocketAddress edge);

    /** Returns the proxy address replies to {@code client} go to, or null if unknown. */
    abstract InetSocketAddress route(InetSocketAddress client);

    /** The table whose size and removals the codec reports as its flows: the routes, by default. */
    FlowTable<?> flows() {
        return routes;
    }

    /** Removes idle routes (and flows); their removals are reported to the codec. */
    void expireIdle(long now) {
        routes.expireIdle(now);
    }

    /** Forgets everything, without reports. */
    void clear() {
        routes.clear();
    }

    /**
     * Marks the route of {@code client} used by one of its datagrams (promoting it if
     * {@code promote}), or (re)creates it on probation; returns whether it is new or changed.
     */
    final boolean refreshRoute(InetSocketAddress client, InetSocketAddress edge, boolean promote) {
        Route route = routes.get(client);
        if (route != null && route.edge.equals(edge)) {
            if (promote) {
                routes.promote(route);
            }
            return false;
        }
        routes.put(new Route(client, edge));
        return true;
    }

    /** Every datagram carries a header; the routes are the flows. */
    static final class PerDatagram extends V2Routing {

        PerDatagram(UdpProxyConfig config, LongSupplier clock, FlowRemovalListener removed) {
            super(new FlowTable<>(config.maxFlows(), config.perDatagramIdleTimeout().toNanos(), clock,
                    (route, expired) -> removed.removed(route.key, route.edge, expired)));
        }

        @Override
        boolean startsWithHeader(ByteBuf content) {
            return true; // one without is refused by the parser: MISSING_HEADER
        }

        @Override
        boolean opened(ProxyHeader header, InetSocketAddress edge, boolean headerOnly) {
            InetSocketAddress client = header.sourceAddress(); // null for LOCAL
            return client != null && refreshRoute(client, edge, true);
        }

        @Override
        boolean passesHeaderOnly() {
            return true;
        }

        @Override
        ProxyHeader continued(InetSocketAddress edge) {
            return null;
        }

        @Override
        void forget(InetSocketAddress edge) {
            // Nothing follows from one datagram to the next.
        }

        @Override
        InetSocketAddress route(InetSocketAddress client) {
            Route route = routes.get(client);
            return route == null ? null : route.edge;
        }
    }

    /**
     * Only a flow's first datagram carries the header. The edge table is the flow; the reply
     * routes are its reverse index, checked against it on every use, so their removals need no
     * event of their own. A route left stale by a replaced flow is never refreshed again, so it
     * is among the first to be evicted.
     */
    static final class FirstDatagram extends V2Routing {

        /** The state of one edge address and port (the key): the header that opened it. */
        private static final class Flow extends FlowTable.Node<Flow> {
            final ProxyHeader header;
            /** Whether a datagram with a payload has been passed on: the next one is the client's second. */
            boolean passedPayload;

            Flow(InetSocketAddress edge, ProxyHeader header, boolean passedPayload) {
                super(edge);
                this.header = header;
                this.passedPayload = passedPayload;
            }

            /** The real client, or null for a LOCAL flow (the proxy's own traffic). */
            InetSocketAddress client() {
                return header.sourceAddress();
            }
        }

        private final FlowTable<Flow> edgeFlows;

        FirstDatagram(UdpProxyConfig config, LongSupplier clock, FlowRemovalListener removed) {
            super(new FlowTable<>(config.maxFlows(), config.firstDatagramIdleTimeout().toNanos(), clock,
                    (route, expired) -> { }));
            this.edgeFlows = new FlowTable<>(config.maxFlows(), config.firstDatagramIdleTimeout().toNanos(), clock,
                    (flow, expired) -> removed.removed(flow.client(), flow.key, expired));
        }

        @Override
        boolean startsWithHeader(ByteBuf content) {
            return ProxyHeaderParser.detect(content) == ProxyHeaderParser.Detection.V2;
        }

        @Override
        boolean opened(ProxyHeader header, InetSocketAddress edge, boolean headerOnly) {
            // A new header always replaces the flow of this edge port.
            InetSocketAddress client = header.sourceAddress();
            Flow old = edgeFlows.put(new Flow(edge, header, !headerOnly));
            if (client != null) {
                refreshRoute(client, edge, false);
            }
            return old == null || !Objects.equals(old.client(), client);
        }

        @Override
        boolean passesHeaderOnly() {
            return false; // header only: state updated, nothing to pass on
        }

        @Override
        ProxyHeader continued(InetSocketAddress edge) {
            Flow flow = edgeFlows.get(edge);
            if (flow == null) {
                return null;
            }
            boolean second = flow.passedPayload; // the client's second datagram (or later): promoted
            flow.passedPayload = true;
            if (second) {
                edgeFlows.promote(flow);
            }
            InetSocketAddress client = flow.client();
            if (client != null) {
                refreshRoute(client, edge, second); // keep the reverse index as fresh as the flow
            }
            return flow.header;
        }

        @Override
        void forget(InetSocketAddress edge) {
            edgeFlows.remove(edge);
        }

        @Override
        InetSocketAddress route(InetSocketAddress client) {
            Route route = routes.get(client);
            if (route == null) {
                return null;
            }
            // The edge port may since have been given to another client.
            Flow flow = edgeFlows.get(route.edge);
            if (flow == null || !client.equals(flow.client())) {
                routes.remove(client);
                return null;
            }
            return route.edge;
        }

        @Override
        FlowTable<?> flows() {
            return edgeFlows;
        }

        @Override
        void expireIdle(long now) {
            super.expireIdle(now);
            edgeFlows.expireIdle(now);
        }

        @Override
        void clear() {
            super.clear();
            edgeFlows.clear();
        }
    }
}
