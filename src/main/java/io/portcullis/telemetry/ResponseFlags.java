package io.portcullis.telemetry;

import io.portcullis.policy.Reason;

/**
 * Envoy's {@code %RESPONSE_FLAGS%} for a {@link Reason}, so Istio dashboards that filter on
 * {@code response_flags} read Portcullis the same way: {@code NR} no route (nothing declares the
 * destination), {@code DPE} downstream protocol error, {@code SI} idle or inspection timeout,
 * {@code DF} DNS resolution failure, {@code UF} upstream connection failure, {@code -} none.
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
            case NO_SERVICE_ENTRY, NO_ROUTE, NOT_GATEWAY_HOST, NO_SNI, NOT_TLS -> "NR";
            case CLIENT_HELLO_TOO_LARGE, HEADER_TOO_LARGE, BAD_REQUEST -> "DPE";
            case INSPECT_TIMEOUT, IDLE_TIMEOUT -> "SI";
            case DNS_FAILURE -> "DF";
            case UPSTREAM_CONNECT_FAILURE -> "UF";
            case INCOMPLETE_CLIENT_HELLO -> "DC";
            // A refusal added later (authorization, address guards) is a policy denial until it says otherwise.
            default -> reason.allows() ? NONE : "UAEX";
        };
    }

    /**
     * Whether {@code reason} refuses a connection by policy or inspection (a blocked call), as opposed
     * to an allowed connection that failed upstream or timed out while idle.
     */
    public static boolean isDenial(Reason reason) {
        return reason != null && !reason.allows() && reason != Reason.DNS_FAILURE
                && reason != Reason.UPSTREAM_CONNECT_FAILURE && reason != Reason.IDLE_TIMEOUT;
    }
}
