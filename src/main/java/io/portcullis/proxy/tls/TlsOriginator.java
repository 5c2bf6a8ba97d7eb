package io.portcullis.proxy.tls;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.portcullis.model.AddressText;
import io.portcullis.policy.EgressPolicy;
import io.portcullis.policy.Reason;
import io.portcullis.policy.TlsOrigination;
import io.portcullis.proxy.UpstreamException;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;

/**
 * Turns a connected upstream channel into a TLS one for origination: SNI is the
 * DestinationRule's {@code sni} or else the host the request was allowed for, the certificate is
 * verified against that host (see {@link UpstreamTrustManager}), and a failure comes back as an
 * {@link UpstreamException} with a reason saying what failed. Never falls back to plain text.
 * Call on the channel's event loop.
 */
public final class TlsOriginator {
    /** The pipeline name of the upstream TLS handler. */
    public static final String HANDLER = "upstream-tls";

    private final OriginationContexts contexts;
    private final Duration handshakeTimeout;

    public TlsOriginator(OriginationContexts contexts, Duration handshakeTimeout) {
        this.contexts = contexts;
        this.handshakeTimeout = handshakeTimeout;
    }

    /**
     * Starts the handshake on {@code upstream} (first in its pipeline); completes with the channel
     * or fails classified.
     *
     * @param snapshot the policy that decided the request (whose TLS settings apply)
     */
    public Future<Channel> handshake(Channel upstream, EgressPolicy snapshot, TlsOrigination origination, String host,
                                     int port) {
        Promise<Channel> promise = upstream.eventLoop().newPromise();
        SslContext context;
        try {
            context = contexts.context(snapshot, origination);
        } catch (UpstreamException e) {
            return promise.setFailure(e);
        }
        String where = AddressText.hostPort(host, port) + " (" + AddressText.of(upstream.remoteAddress()) + ")";
        SslHandler ssl = context.newHandler(upstream.alloc(), host, port);
        ssl.setHandshakeTimeoutMillis(handshakeTimeout.toMillis());
        String sni = origination.tls().sni();
        if (sni != null) {
            SSLEngine engine = ssl.engine();
            SSLParameters parameters = engine.getSSLParameters();
            parameters.setServerNames(List.of(new SNIHostName(sni)));
            engine.setSSLParameters(parameters);
        }
        upstream.pipeline().addFirst(HANDLER, ssl);
        ssl.handshakeFuture().addListener(f -> {
            if (f.isSuccess()) {
                promise.trySuccess(upstream);
            } else {
                // Fire-and-forget: nothing here acts on how the close ends.
                ChannelFuture unused = upstream.close();
                promise.tryFailure(classify(f.cause(), where, origination));
            }
        });
        return promise;
    }

    private static UpstreamException classify(Throwable cause, String where, TlsOrigination origination) {
        UpstreamCertificateException cert = UpstreamCertificateException.find(cause);
        if (cert != null) {
            return new UpstreamException(cert.reason(), "TLS to " + where + " refused: " + cert.getMessage());
        }
        if (cause instanceof SslHandshakeTimeoutException) {
            return new UpstreamException(Reason.UPSTREAM_TIMEOUT, "TLS handshake with " + where + " timed out");
        }
        if (cause instanceof ClosedChannelException) {
            return new UpstreamException(Reason.UPSTREAM_TLS_FAILURE, "TLS handshake with " + where
                    + " failed: the upstream closed the connection (does it speak TLS on this port? "
                    + origination.rule() + " originates TLS for it)");
        }
        String message = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
        return new UpstreamException(Reason.UPSTREAM_TLS_FAILURE, "TLS handshake with " + where + " failed: " + message);
    }

}
