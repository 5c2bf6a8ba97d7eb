package io.portcullis.proxy.http;

import io.netty.handler.codec.http.HttpResponseStatus;
import io.portcullis.policy.HostNames;
import io.portcullis.policy.Reason;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Holds each request on a TLS connection the gateway terminated to the name the connection was set
 * up for: the client's SNI on an HTTPS Gateway server, the SNI the sidecar announced on the
 * mutual-TLS hop. RFC 6066 §11.1 asks a server that chose by SNI to check the host named in the
 * application protocol too; otherwise a caller announces an allowed name (which AuthorizationPolicy
 * {@code connection.sni}, the Gateway server choice and the sidecar's spoofing check all saw) and
 * then asks for another host inside. Such a request is answered {@code 421 Misdirected Request}
 * (RFC 9110 §15.5.20, as Envoy and the Gateway API answer it) with reason {@code host_mismatch}.
 *
 * <p>The Host must equal the SNI (case and a trailing dot aside); an SNI that is itself a wildcard
 * ({@code *.example.com}) covers its subdomains. A connection without SNI was set up for no name:
 * its requests are held to the Gateway server's hosts only, as before (a client that dials an
 * address sends none, RFC 6066 §3). HTTP/1.1 clients never reuse a connection for another origin,
 * so a legitimate client is never refused by this.
 */
final class MisdirectedRequest {
    private MisdirectedRequest() {
    }

    /** The refusal for a request naming {@code host} on a connection set up for {@code serverName}, if it must be refused. */
    static Optional<Route.Refuse> check(@Nullable String serverName, String host) {
        if (serverName == null || serverName.isEmpty()) {
            return Optional.empty();
        }
        String sni = HostNames.normalize(serverName);
        String requested = HostNames.normalize(host);
        if (HostNames.matches(sni, requested)) {
            return Optional.empty();
        }
        return Optional.of(new Route.Refuse(Reason.HOST_MISMATCH, "Host " + requested
                + " is not the name this TLS connection was set up for (SNI " + sni + ")",
                Optional.of(HttpResponseStatus.MISDIRECTED_REQUEST)));
    }
}
