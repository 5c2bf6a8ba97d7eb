package io.portcullis.telemetry;

import io.portcullis.policy.Reason;

/**
 * Envoy's {@code %RESPONSE_FLAGS%} for a {@link Reason}, with Envoy's meanings, so Istio dashboards
 * that filter on {@code response_flags} read Portcullis the same way:
 * {@code NR} no route (nothing declares the destination, or a guard forbids it),
 * {@code UAEX} an authorization service (here: an AuthorizationPolicy) refused, and nothing else,
 * {@code DPE} downstream protocol error, {@code DC} downstream connection termination,
 * {@code SI} idle or inspection timeout, {@code DF} DNS resolution failure,
 * {@code UF} upstream connection failure (TCP connect, or the TLS handshake with it),
 * {@code UT} upstream timeout, {@code UC} upstream connection termination,
 * {@code UPE} upstream protocol error, {@code UO} upstream overflow (a DestinationRule
 * {@code connectionPool} limit), {@code -} none. The flags of a VirtualService http route's
 * actions ({@code FI} fault abort, {@code DI} fault delay, {@code URX} retries exhausted) are added by
 * the connection's log, not derived from a reason.
 */
public final class ResponseFlags {
    public static final String NONE = "-";

    private ResponseFlags() {
    }

    public static String of(Reason reason) {
        if (reason == null) {
            return NONE;
        }
        return switch (reason) {
            case DECLARED, UNDECLARED_ALLOWED -> NONE;
            case NO_SERVICE_ENTRY, NO_ROUTE, NOT_GATEWAY_HOST, NO_SNI, NOT_TLS, PRIVATE_ADDRESS, SELF_CONNECTION,
                 CAPTURE_LOOP, NO_ORIGINAL_DST -> "NR";
            case CLIENT_HELLO_TOO_LARGE, HEADER_TOO_LARGE, BAD_REQUEST, AMBIGUOUS_FRAMING, SNI_MISMATCH,
                 HOST_MISMATCH, TLS_HANDSHAKE_FAILED, UNSUPPORTED_HTTP_VERSION -> "DPE";
            case INSPECT_TIMEOUT, IDLE_TIMEOUT -> "SI";
            case INCOMPLETE_CLIENT_HELLO, CLIENT_RESET, CLIENT_CLOSED -> "DC";
            // Envoy has no flag for its own failures; the reason code and the operational log say it.
            case INTERNAL_ERROR -> NONE;
            case AUTHZ_DENIED -> "UAEX";
            case DNS_FAILURE -> "DF";
            case UPSTREAM_CONNECT_FAILURE, UPSTREAM_CERT_UNTRUSTED, UPSTREAM_CERT_NAME_MISMATCH, UPSTREAM_CERT_EXPIRED,
                 UPSTREAM_CERT_NOT_YET_VALID, UPSTREAM_TLS_FAILURE, UPSTREAM_TLS_CONFIG, TLS_UNAVAILABLE -> "UF";
            case UPSTREAM_TIMEOUT -> "UT";
            case UPSTREAM_OVERFLOW -> "UO";
            case UPSTREAM_RESET -> "UC";
            case BAD_UPSTREAM_RESPONSE -> "UPE";
        };
    }

    /**
     * Whether {@code reason} refuses a connection by policy or inspection (a blocked call), as opposed
     * to an allowed connection that failed upstream or timed out while idle.
     */
    public static boolean isDenial(Reason reason) {
        return reason != null && reason.isDenial();
    }
}
