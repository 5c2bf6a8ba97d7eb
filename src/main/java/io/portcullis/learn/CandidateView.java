package io.portcullis.learn;

import java.util.List;

/**
 * One learned destination, as the API, the state file and {@code suggest} see it: an immutable
 * copy of a {@link Candidate}. Times are epoch milliseconds.
 *
 * @param destination the name as seen (SNI, Host, CONNECT authority), or the address when no name was seen
 * @param named       whether {@code destination} is a name
 * @param addresses   addresses the destination was reached at or asked for (a few at most)
 * @param protocols   the protocols seen on it
 * @param allowed     connections let through (ALLOW_ANY)
 * @param denied      connections refused
 * @param reasons     the latest distinct reason codes, newest first
 * @param message     the latest refusal's message, or null
 */
public record CandidateView(String destination, boolean named, int port, List<String> addresses,
                            List<SeenProtocol> protocols, long count, long allowed, long denied, long firstSeen,
                            long lastSeen, List<String> reasons, String message, List<CallerView> callers) {
    public CandidateView {
        addresses = List.copyOf(addresses);
        protocols = List.copyOf(protocols);
        reasons = List.copyOf(reasons);
        callers = List.copyOf(callers);
    }

    /** One caller of a destination: its principal (or null), namespace (or null), address, count, last seen. */
    public record CallerView(String principal, String namespace, String address, long count, long lastSeen) {
        /** The principal, else the address. */
        public String label() {
            return principal != null ? principal : address;
        }
    }
}
