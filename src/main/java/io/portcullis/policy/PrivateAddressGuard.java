package io.portcullis.policy;

import io.portcullis.model.Cidr;
import io.portcullis.model.Endpoint;
import io.portcullis.model.ServiceEntry;
import java.net.InetAddress;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The SSRF guard, applied to every address the gateway is about to connect to, after resolution:
 * an address in a {@link SpecialAddresses special range} is refused unless the ServiceEntry that
 * allowed the connection lists it (in {@code addresses} or as an endpoint address) or the
 * operator allowed its range with {@code --allow-private}. Immutable and thread-safe.
 */
public final class PrivateAddressGuard {
    /** No range allowed by the operator: only entries that list an address open it. */
    public static final PrivateAddressGuard STRICT = new PrivateAddressGuard(List.of());

    private final List<Cidr> operatorAllowed;
    private final AddressTrie<Cidr> allowedTrie = new AddressTrie<>();

    public PrivateAddressGuard(List<Cidr> operatorAllowed) {
        this.operatorAllowed = List.copyOf(operatorAllowed);
        this.operatorAllowed.forEach(c -> allowedTrie.putIfAbsent(c, c));
    }

    public List<Cidr> operatorAllowed() {
        return operatorAllowed;
    }

    /**
     * Empty when a connection may go to {@code address}; otherwise one line saying why not.
     *
     * @param entry the ServiceEntry that allowed the connection, or null (undeclared, ALLOW_ANY)
     */
    public Optional<String> refusal(InetAddress address, ServiceEntry entry) {
        byte[] bytes = address.getAddress();
        String kind = SpecialAddresses.classify(bytes);
        if (kind == null || allowedTrie.match(bytes) != null || (entry != null && lists(entry, bytes))) {
            return Optional.empty();
        }
        String who = entry == null ? "no ServiceEntry lists" : entry.id() + " does not list";
        String operator = operatorAllowed.isEmpty() ? "--allow-private is not set"
                : "--allow-private " + operatorAllowed.stream().map(Cidr::toString).collect(Collectors.joining(","))
                        + " does not cover it";
        return Optional.of(HostCanonicalizer.format(bytes) + " is " + kind + ", which " + who + " and " + operator);
    }

    /** Whether the entry names the address itself: a CIDR of the entry's addresses or an endpoint literal. */
    static boolean lists(ServiceEntry entry, byte[] address) {
        for (Cidr c : entry.addresses()) {
            if (c.contains(address)) {
                return true;
            }
        }
        for (Endpoint ep : entry.endpoints()) {
            // Parsed once with the configuration: no text is parsed per connection.
            if (ep.isLiteral(address)) {
                return true;
            }
        }
        return false;
    }
}
