package io.portcullis.learn;

import io.portcullis.learn.CandidateView.CallerView;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The running tally of one destination and port: mutable, touched only by the learner (under the
 * {@link CandidateTable}'s lock). Its own lists are bounded: at most {@value #MAX_CALLERS} callers
 * (the least recently seen goes), {@value #MAX_REASONS} reasons and {@value #MAX_ADDRESSES}
 * addresses.
 */
final class Candidate {
    static final int MAX_CALLERS = 16;
    static final int MAX_REASONS = 4;
    static final int MAX_ADDRESSES = 4;

    private final String destination;
    private final boolean named;
    private final int port;
    private final List<String> addresses = new ArrayList<>(1);
    private final EnumSet<SeenProtocol> protocols = EnumSet.noneOf(SeenProtocol.class);
    private final LinkedHashMap<String, CallerView> callers = new LinkedHashMap<>(4, 0.75f, true);
    private final List<String> reasons = new ArrayList<>(1);
    private String message;
    private long allowed;
    private long denied;
    private long firstSeen = Long.MAX_VALUE;
    private long lastSeen;

    Candidate(String destination, boolean named, int port) {
        this.destination = destination;
        this.named = named;
        this.port = port;
    }

    static Candidate of(CandidateView v) {
        Candidate c = new Candidate(v.destination(), v.named(), v.port());
        c.addresses.addAll(v.addresses().subList(0, Math.min(MAX_ADDRESSES, v.addresses().size())));
        c.protocols.addAll(v.protocols());
        v.callers().stream().limit(MAX_CALLERS).forEach(cv -> c.callers.put(cv.label(), cv));
        c.reasons.addAll(v.reasons().subList(0, Math.min(MAX_REASONS, v.reasons().size())));
        c.message = v.message();
        c.allowed = v.allowed();
        c.denied = v.denied();
        c.firstSeen = v.firstSeen();
        c.lastSeen = v.lastSeen();
        return c;
    }

    void add(Observation o) {
        if (o.allowed()) {
            allowed++;
        } else {
            denied++;
            message = o.message();
        }
        firstSeen = Math.min(firstSeen, o.at());
        lastSeen = Math.max(lastSeen, o.at());
        protocols.add(o.protocol());
        if (o.address() != null && !addresses.contains(o.address()) && addresses.size() < MAX_ADDRESSES) {
            addresses.add(o.address());
        }
        String code = o.reason().code();
        reasons.remove(code);
        reasons.add(0, code);
        if (reasons.size() > MAX_REASONS) {
            reasons.remove(reasons.size() - 1);
        }
        String key = o.caller();
        CallerView before = callers.get(key);
        long count = before == null ? 1 : before.count() + 1;
        callers.put(key, new CallerView(o.principal(), o.namespace(), o.sourceIp(), count,
                Math.max(o.at(), before == null ? 0 : before.lastSeen())));
        if (callers.size() > MAX_CALLERS) {
            Iterator<Map.Entry<String, CallerView>> eldest = callers.entrySet().iterator();
            eldest.next();
            eldest.remove();
        }
    }

    long lastSeen() {
        return lastSeen;
    }

    CandidateView view() {
        List<CallerView> cs = new ArrayList<>(callers.values());
        cs.sort((a, b) -> Long.compare(b.count(), a.count()));
        return new CandidateView(destination, named, port, addresses, List.copyOf(protocols), allowed + denied, allowed,
                denied, firstSeen, lastSeen, reasons, message, cs);
    }
}
