package io.portcullis.testsupport;

import io.portcullis.identity.MeshCa;
import io.portcullis.identity.SpiffeId;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A mesh CA in a folder (as {@code portcullis ca init} makes it) that issues workload identity
 * folders (as {@code portcullis ca issue} writes them) for the mesh tests.
 */
public final class MeshCerts {
  private final Path dir;
  private final MeshCa ca;

  private MeshCerts(Path dir, MeshCa ca) {
    this.dir = dir;
    this.ca = ca;
  }

  /** A new CA for trust domain {@code cluster.local} under {@code dir/ca}. */
  public static MeshCerts create(Path dir) {
    try {
      return new MeshCerts(dir, MeshCa.init(dir.resolve("ca"), "cluster.local", Duration.ofDays(1)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Issues {@code spiffe://cluster.local/ns/NAMESPACE/sa/ACCOUNT} into {@code dir/NAMESPACE-ACCOUNT}; returns that folder. */
  public Path issue(String namespace, String serviceAccount) {
    Path out = dir.resolve(namespace + "-" + serviceAccount);
    try {
      ca.issue(SpiffeId.parse("spiffe://cluster.local/ns/" + namespace + "/sa/" + serviceAccount),
              Duration.ofHours(1), List.of()).writeTo(out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  public Path caDir() {
    return dir.resolve("ca");
  }
}
