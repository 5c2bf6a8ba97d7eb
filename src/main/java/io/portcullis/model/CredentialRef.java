package io.portcullis.model;

import java.util.Optional;

/**
 * A {@code credentialName}: the Kubernetes Secret that holds TLS material instead of files
 * ({@code DestinationRule} client certificates and CAs, {@code Gateway} server certificates).
 *
 * <p>As read, only the name is known. {@link CredentialBinder} binds it to the namespace of the
 * resource that names it and to a fingerprint of the Secret's content (or to its absence), so a
 * rotated Secret makes the TLS settings unequal to the old ones: new contexts are built and pooled
 * upstream connections made with the old material are not reused. The fingerprint is a SHA-256 of
 * the content, never the content itself.
 *
 * @param name        the Secret's name, as written
 * @param namespace   the namespace it is looked up in; empty until bound
 * @param fingerprint SHA-256 (hex) of the Secret's TLS entries; empty until bound or when the Secret is missing
 */
public record CredentialRef(String name, Optional<String> namespace, Optional<String> fingerprint) {
    public static CredentialRef unbound(String name) {
        return new CredentialRef(name, Optional.empty(), Optional.empty());
    }

    public CredentialRef bind(String inNamespace, Optional<TlsSecret> secret) {
        return new CredentialRef(name, Optional.of(inNamespace), secret.map(TlsSecret::fingerprint));
    }

    /** The Secret's id once bound: {@code Secret/namespace/name}. */
    public Optional<ResourceId> secretId() {
        return namespace.map(ns -> new ResourceId(TlsSecret.KIND, ns, name));
    }

    @Override
    public String toString() {
        return "credentialName " + namespace.map(ns -> ns + "/").orElse("") + name;
    }
}
