package io.portcullis.cli;

import io.portcullis.identity.MeshCa;
import io.portcullis.identity.SpiffeId;
import io.portcullis.identity.WorkloadCertificate;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code portcullis ca}: the mesh certificate authority that gives sidecars and gateways their SPIFFE identities. */
@Command(name = "ca", mixinStandardHelpOptions = true,
        description = "The mesh CA: make one, then issue short-lived workload certificates with SPIFFE IDs.",
        subcommands = {CaCommand.Init.class, CaCommand.Issue.class},
        footer = {"", "Example:", "  ./portcullis ca init --dir ./mesh-ca",
                "  ./portcullis ca issue --dir ./mesh-ca --out ./sleep-certs \\",
                "      --spiffe spiffe://cluster.local/ns/default/sa/sleep",
                "  ./portcullis run --role sidecar --config ./egress --mesh-certs ./sleep-certs"})
public final class CaCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "say what to do: ca init or ca issue");
    }

    /** {@code portcullis ca init --dir D}. */
    @Command(name = "init", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Create a mesh CA in DIR.",
                    "Writes root-cert.pem and root-key.pem (owner-only); refuses to overwrite an existing CA."},
            footer = {"", "Example:", "  ./portcullis ca init --dir ./mesh-ca"})
    public static final class Init implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--dir", required = true, paramLabel = "DIR", description = "Folder for the CA's files; created when missing.")
        Path dir;

        @Option(names = "--trust-domain", paramLabel = "DOMAIN", defaultValue = "cluster.local",
                description = "The SPIFFE trust domain of every identity this CA issues. Default: ${DEFAULT-VALUE}.")
        String trustDomain;

        @Option(names = "--validity", paramLabel = "DURATION", defaultValue = "87600h",
                description = "How long the root is valid. Default: ${DEFAULT-VALUE} (10 years).")
        Duration validity;

        @Override
        public Integer call() throws Exception {
            MeshCa ca;
            try {
                ca = MeshCa.init(dir, trustDomain, validity);
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), "--trust-domain: " + e.getMessage());
            } catch (IOException e) {
                System.err.println("portcullis ca init: " + e.getMessage());
                return 1;
            }
            System.out.println("mesh CA for trust domain " + ca.trustDomain() + " in " + dir + " (valid until "
                    + ca.root().getNotAfter().toInstant() + ")");
            return 0;
        }
    }

    /** {@code portcullis ca issue --dir D --spiffe ID --out DIR}. */
    @Command(name = "issue", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Issue a workload certificate with a SPIFFE ID, signed by the mesh CA.",
                    "Writes OUT/cert-chain.pem, OUT/key.pem (owner-only) and OUT/root-cert.pem, the files Istio 1.0"
                            + " mounted at /etc/certs. Re-run before it expires to rotate: running sidecars and gateways"
                            + " pick up new files by themselves."},
            footer = {"", "Example:",
                    "  ./portcullis ca issue --dir ./mesh-ca --out ./sleep-certs \\",
                    "      --spiffe spiffe://cluster.local/ns/default/sa/sleep"})
    public static final class Issue implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--dir", required = true, paramLabel = "DIR", description = "The CA's folder (from ca init).")
        Path dir;

        @Option(names = "--spiffe", required = true, paramLabel = "ID",
                description = "The workload's identity, e.g. spiffe://cluster.local/ns/default/sa/sleep.")
        String spiffe;

        @Option(names = "--out", required = true, paramLabel = "DIR", description = "Where to write the three files.")
        Path out;

        @Option(names = "--ttl", paramLabel = "DURATION", defaultValue = "24h",
                description = "Certificate lifetime (short-lived: rotate by issuing again). Default: ${DEFAULT-VALUE}.")
        Duration ttl;

        @Option(names = "--dns", paramLabel = "NAME", description = "Extra DNS SAN (repeatable); workloads need none.")
        List<String> dns = new ArrayList<>();

        @Override
        public Integer call() throws Exception {
            SpiffeId id;
            try {
                id = SpiffeId.parse(spiffe);
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), "--spiffe: " + e.getMessage());
            }
            WorkloadCertificate cert;
            try {
                cert = MeshCa.load(dir).issue(id, ttl, dns);
                cert.writeTo(out);
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), e.getMessage());
            } catch (IOException e) {
                System.err.println("portcullis ca issue: " + e.getMessage());
                return 1;
            }
            System.out.println("issued " + id + " into " + out + " (valid until "
                    + cert.certificate().getNotAfter().toInstant() + ")");
            return 0;
        }
    }
}
