package io.portcullis.proxy.http;

import io.netty.handler.codec.DecoderException;
import io.portcullis.policy.Reason;
import io.portcullis.proxy.UpstreamException;
import javax.net.ssl.SSLException;
import org.jspecify.annotations.Nullable;

/**
 * Names what went wrong with an upstream, as the refusal the client gets (the counterpart of
 * {@link RequestFailures} for the client's side): a connect that failed, a connection that closed
 * before answering, a response Netty's decoder refused.
 */
final class UpstreamFailures {
    private UpstreamFailures() {
    }

    /** The upstream (or the CONNECT tunnel's upstream) could not be connected. */
    static Route.Refuse connectFailed(Throwable cause) {
        if (cause instanceof UpstreamException e) {
            return new Route.Refuse(e.reason(), e.getMessage());
        }
        return new Route.Refuse(Reason.UPSTREAM_CONNECT_FAILURE, String.valueOf(cause));
    }

    /** Whether the connect failed as such (nothing was sent), as a route's {@code connect-failure} retry means it. */
    static boolean isConnectFailure(Throwable cause) {
        return !(cause instanceof UpstreamException e) || e.reason() == Reason.UPSTREAM_CONNECT_FAILURE;
    }

    /** The upstream closed before a response started: its TLS failed, or it reset. */
    static Route.Refuse closedBeforeAnswer(Authority upstream, @Nullable Throwable cause) {
        if (cause instanceof SSLException || (cause instanceof DecoderException && cause.getCause() instanceof SSLException)) {
            Throwable tls = cause instanceof SSLException ? cause : cause.getCause();
            return new Route.Refuse(Reason.UPSTREAM_TLS_FAILURE, "TLS with upstream " + upstream + " failed: "
                    + tls.getMessage());
        }
        return new Route.Refuse(Reason.UPSTREAM_RESET, "upstream " + upstream + " closed the connection before answering"
                + (cause == null ? "" : " (" + cause.getMessage() + ")"));
    }

    static String closedMidResponse(Authority upstream) {
        return "upstream " + upstream + " closed the connection mid-response";
    }

    static String invalidResponse(Authority upstream, Throwable cause) {
        return "upstream " + upstream + " sent an invalid response: " + cause.getMessage();
    }
}
