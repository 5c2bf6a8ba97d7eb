package io.portcullis.model;

import io.portcullis.model.DestinationRule.ClientTls;
import io.portcullis.model.DestinationRule.PortTrafficPolicy;
import io.portcullis.model.DestinationRule.Subset;
import io.portcullis.model.DestinationRule.TrafficPolicy;
import io.portcullis.model.Gateway.Server;
import io.portcullis.model.Gateway.ServerTls;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Binds every {@code credentialName} of a set to the Secret it names: the Secret is looked up in
 * the namespace of the resource that names it (where an egress gateway's resources and its
 * Secrets live together), and the reference takes the Secret's fingerprint, so that a rotation
 * changes the settings' identity (see {@link CredentialRef}). A name without a Secret is bound
 * to nothing and reported as a warning; the TLS that needs it then fails with a reason, never
 * falls back to plain text. Pure and thread-safe.
 */
public final class CredentialBinder {
    private CredentialBinder() {
    }

    /** The set with every credential bound, and a warning per credential whose Secret is missing. */
    public record Bound(ResourceSet set, List<Problem> problems) {
        public Bound {
            problems = List.copyOf(problems);
        }
    }

    public static Bound bind(ResourceSet set) {
        List<Problem> problems = new ArrayList<>();
        List<Resource> out = new ArrayList<>();
        for (Resource r : set.all()) {
            if (r instanceof DestinationRule dr) {
                Binding b = new Binding(set, dr.id(), problems);
                List<Subset> subsets = dr.subsets().stream()
                        .map(s -> new Subset(s.name(), s.labels(), b.policy(s.trafficPolicy()))).toList();
                out.add(new DestinationRule(dr.id(), dr.host(), b.policy(dr.trafficPolicy()), subsets, dr.exportTo()));
            } else if (r instanceof Gateway gw) {
                Binding b = new Binding(set, gw.id(), problems);
                List<Server> servers = gw.servers().stream()
                        .map(s -> new Server(s.port(), s.hosts(), b.server(s.tls()), s.name())).toList();
                out.add(new Gateway(gw.id(), gw.selector(), servers));
            } else {
                out.add(r);
            }
        }
        out.addAll(set.secrets());
        return new Bound(ResourceSet.of(out, set.origins()), problems);
    }

    private record Binding(ResourceSet set, ResourceId owner, List<Problem> problems) {
        TrafficPolicy policy(TrafficPolicy p) {
            if (p == null) {
                return null;
            }
            List<PortTrafficPolicy> ports = p.portLevelSettings().stream()
                    .map(pp -> pp.withTls(client(pp.tls()))).toList();
            return p.withTls(client(p.tls()), ports);
        }

        ClientTls client(ClientTls tls) {
            return tls == null || tls.credential().isEmpty() ? tls : tls.withCredential(bound(tls.credential().get()));
        }

        ServerTls server(ServerTls tls) {
            return tls == null || tls.credential().isEmpty() ? tls : tls.withCredential(bound(tls.credential().get()));
        }

        private CredentialRef bound(CredentialRef ref) {
            ResourceId secretId = new ResourceId(TlsSecret.KIND, owner.namespace(), ref.name());
            Optional<TlsSecret> secret = set.secret(secretId);
            if (secret.isEmpty()) {
                problems.add(Problem.warning(set.origin(owner), owner, null, "credentialName \"" + ref.name()
                        + "\": no " + secretId + " (yet); TLS that needs it fails until it exists"));
            }
            return ref.bind(owner.namespace(), secret);
        }
    }
}
